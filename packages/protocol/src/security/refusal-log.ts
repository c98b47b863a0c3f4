// The rule for logging refused connections: each peer (address and key) at most once per window
// (a minute), with how many refusals the quiet time hid. A peer that keeps retrying — libzmq
// reconnects every 100 ms — would otherwise flood the log and the terminal.

/** A connection the security layer refused. */
export interface Refusal {
  /** The peer's IP address (ZAP), or the listening endpoint when libzmq names no peer. */
  address: string;
  /** The client's public key fingerprint, or null when the handshake failed before any key was known. */
  fingerprint: string | null;
  /** What was wrong, as a clause: "its key is not on the allow-list". */
  reason: string;
  /** Refusals of this peer left unlogged since its last logged one. */
  repeats: number;
}

const MAX_TRACKED = 4096;

export class RefusalLog {
  private readonly last = new Map<string, { at: number; hidden: number }>();

  constructor(
    private readonly report: (refusal: Refusal) => void,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a refusal; reports it unless this peer was reported within the window. */
  note(refusal: Omit<Refusal, 'repeats'>): void {
    const key = `${refusal.address}|${refusal.fingerprint ?? '-'}|${refusal.reason}`;
    const at = this.now();
    const seen = this.last.get(key);
    if (seen && at - seen.at < this.windowMs) {
      seen.hidden++;
      return;
    }
    if (this.last.size >= MAX_TRACKED) this.forgetOlderThan(at - this.windowMs);
    this.last.set(key, { at, hidden: 0 });
    this.report({ ...refusal, repeats: seen?.hidden ?? 0 });
  }

  private forgetOlderThan(time: number): void {
    for (const [key, seen] of this.last) if (seen.at < time) this.last.delete(key);
    // Still full (thousands of distinct peers within a minute): drop the oldest half.
    if (this.last.size >= MAX_TRACKED) [...this.last.keys()].slice(0, MAX_TRACKED / 2).forEach((k) => this.last.delete(k));
  }
}

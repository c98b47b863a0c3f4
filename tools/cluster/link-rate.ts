// Link rates as tc writes them ("1gbit", "10gbit", "500mbit"), and the token-bucket sizes that
// let tbf reach that rate. netem is not in these kernels, so tbf is the one shaper: it needs a
// bucket of at least rate/HZ bytes, or it cannot pass the rate at all; we give it 10 ms worth.

const UNITS: Record<string, number> = { kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** A parsed link rate. */
export interface LinkRate {
  /** As tc spells it, e.g. "1gbit". */
  text: string;
  bitsPerSecond: number;
}

/** Parses "1gbit" / "10gbit" / "500mbit" / "800kbit"; throws a sentence naming the allowed forms. */
export function parseLinkRate(text: string): LinkRate {
  const m = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit)$/.exec(text.trim().toLowerCase());
  const bitsPerSecond = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!m || !(bitsPerSecond >= 1e5) || bitsPerSecond > 1e11) {
    throw new Error(`link rate '${text}' is not allowed: give a number with kbit, mbit or gbit, between 100kbit and 100gbit (e.g. 1gbit)`);
  }
  return { text: `${m[1]}${m[2]}`, bitsPerSecond };
}

/** tbf's burst (bytes): 10 ms at the rate, at least 64 KiB. */
export function tbfBurstBytes(rate: LinkRate): number {
  return Math.max(64 * 1024, Math.ceil(rate.bitsPerSecond / 8 / 100));
}

/** tc's arguments that shape a device's egress to the rate. */
export function tbfArgs(device: string, rate: LinkRate): string[] {
  return ['qdisc', 'replace', 'dev', device, 'root', 'tbf', 'rate', rate.text, 'burst', String(tbfBurstBytes(rate)), 'latency', '50ms'];
}

// One request at a time, answered by one reply from the coordinator: the wait, its time limit and
// the sticky failure that both gradient reducers need (GRADS → REDUCED on the star plane,
// WRITTEN → PROCEED on the shared-memory plane). Matching a reply to the request stays with the
// reducer, which knows what identifies one.

interface Pending<K, V> {
  key: K;
  resolve(value: V): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class AwaitedReply<K, V> {
  private pending: Pending<K, V> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly timeoutMs: number,
    /** Names a request in messages, e.g. "phase 'd' of step 4". */
    private readonly describe: (key: K) => string,
  ) {}

  /** The error of fail(), which every later request rejects with; null before. */
  get failed(): Error | null {
    return this.failure;
  }

  /** The request waiting for its reply, or null. */
  get awaited(): K | null {
    return this.pending?.key ?? null;
  }

  /**
   * Sends a request with `send` and resolves with its reply. Rejects if one is already waiting,
   * if sending fails, after the time limit (with "<what> within <timeoutMs> ms"), or on fail().
   */
  async request(key: K, what: string, send: () => Promise<void>): Promise<V> {
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error(`${this.describe(key)} was requested while ${this.describe(this.pending.key)} is still awaited`);
    const reply = new Promise<V>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new Error(`${what} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = { key, resolve, reject, timer };
    });
    try {
      await send();
    } catch (error) {
      this.settle()?.reject(error as Error);
    }
    return reply;
  }

  /** Resolves the waiting request with `value` (the caller checked that it answers it). */
  answer(value: V): void {
    this.settle()?.resolve(value);
  }

  /** Rejects the waiting request (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    this.settle()?.reject(error);
  }

  /** "nothing", or the waiting request as `describe` names it: for "arrived while … was awaited". */
  describeAwaited(): string {
    return this.pending ? this.describe(this.pending.key) : 'nothing';
  }

  private settle(): Pending<K, V> | null {
    const p = this.pending;
    if (p) clearTimeout(p.timer);
    this.pending = null;
    return p;
  }
}

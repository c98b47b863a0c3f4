// Every "wait for a reply, but not forever" of the runtime, on both ends of the wire: a worker's
// reducer waiting for its averaged gradients, the coordinator waiting for a snapshot, for a
// step's DONEs, or for workers to join. Each is one BoundedWait: a promise that a reply
// settles, or that rejects with the caller's sentence when its deadline passes (and never keeps
// the process alive after it settled: the timer goes with it).

/** One wait with a deadline. */
export class BoundedWait<V> {
  readonly promise: Promise<V>;
  private resolveFn!: (value: V) => void;
  private rejectFn!: (error: Error) => void;
  private readonly timer: NodeJS.Timeout;
  private done = false;

  /** Starts the clock: after `timeoutMs` the wait rejects with `onTimeout()` (called then, so it can say what is still missing). */
  constructor(timeoutMs: number, onTimeout: () => Error) {
    this.promise = new Promise<V>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.timer = setTimeout(() => this.reject(onTimeout()), timeoutMs);
  }

  /** True once answered, failed or timed out. */
  get settled(): boolean {
    return this.done;
  }

  /** Ends the wait with `value`; false when it had ended already. */
  resolve(value: V): boolean {
    if (this.done) return false;
    this.finish();
    this.resolveFn(value);
    return true;
  }

  /** Ends the wait with `error`; false when it had ended already. */
  reject(error: Error): boolean {
    if (this.done) return false;
    this.finish();
    this.rejectFn(error);
    return true;
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.timer);
  }
}

/**
 * One request at a time, answered by one reply: the wait, its time limit and the sticky failure
 * that a gradient reducer waiting on one peer needs (GRADS → REDUCED on the star plane). Matching
 * a reply to the request stays with the caller, which knows what identifies one.
 */
export class AwaitedReply<K, V> {
  private pending: { key: K; wait: BoundedWait<V> } | null = null;
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
    const wait = new BoundedWait<V>(this.timeoutMs, () => {
      this.pending = null;
      return new Error(`${what} within ${this.timeoutMs} ms`);
    });
    this.pending = { key, wait };
    try {
      await send();
    } catch (error) {
      this.settle()?.reject(error as Error);
    }
    return wait.promise;
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

  private settle(): BoundedWait<V> | null {
    const p = this.pending;
    this.pending = null;
    return p?.wait ?? null;
  }
}

// Logging dropped messages: a peer that sends garbage, or a flood of stale messages, must show up
// in the log without flooding it. The first drops are logged in full (they say what went wrong);
// after that one line every so often says how many there have been.

export interface DropLogOptions {
  /** Drops logged in full (default 20). */
  first?: number;
  /** After those, one summary line every this many drops (default 1000). */
  every?: number;
}

/** Counts dropped messages and logs the first ones, then every `every`th. */
export class DropLog {
  private dropped = 0;
  private readonly first: number;
  private readonly every: number;

  /**
   * @param warn where lines go (a logger's warn)
   * @param summary the summary line's message for a count, e.g. `dropped 3000 messages so far`
   */
  constructor(
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
    private readonly summary: (count: number) => string,
    o: DropLogOptions = {},
  ) {
    this.first = o.first ?? 20;
    this.every = o.every ?? 1000;
  }

  /** Drops counted so far. */
  get count(): number {
    return this.dropped;
  }

  /** Counts one drop; logs `message` with `fields` while few, else the summary with the last drop's fields. */
  note(message: string, fields: Record<string, unknown>): void {
    this.dropped++;
    if (this.dropped <= this.first) this.warn(message, fields);
    else if (this.dropped % this.every === 0) this.warn(this.summary(this.dropped), { last: { message, ...fields } });
  }
}

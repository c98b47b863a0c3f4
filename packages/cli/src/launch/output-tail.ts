// The last lines a worker printed, kept to explain its crash without making the user dig.

/** Keeps the newest `limit` lines. */
export class OutputTail {
  private readonly lines: string[] = [];

  constructor(private readonly limit = 8) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.shift();
  }

  /** The kept lines, oldest first. */
  get text(): string {
    return this.lines.join('\n');
  }

  /** The most telling line: the last one that looks like an error, else the last line. */
  get lastError(): string | null {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (/error|exception|fatal|failed|refused|reject/i.test(this.lines[i])) return this.lines[i];
    }
    return this.lines.at(-1) ?? null;
  }
}

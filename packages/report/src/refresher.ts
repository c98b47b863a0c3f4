// Keeping report.html current while a run writes: once at the start, every `everyMs`, and once
// at the end. A refresh never overlaps the previous one, and a failed one is reported, never
// thrown: a report must not stop a training run.
export class ReportRefresher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly write: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Writes the report now and then every `everyMs` until stop(). */
  start(): void {
    this.refresh();
    // A slow disk must not queue refresh after refresh: a tick while one runs is skipped.
    this.timer = setInterval(() => {
      if (!this.busy) void this.refresh();
    }, this.everyMs);
    this.timer.unref();
  }

  /** One more refresh after any in flight; the last word on the page. */
  refresh(): Promise<void> {
    this.busy = true;
    this.running = this.running
      .then(() => this.write())
      .then(
        () => undefined,
        (error: Error) => this.onError(error),
      )
      .finally(() => (this.busy = false));
    return this.running;
  }

  /** Stops the timer and writes the final report. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refresh();
  }
}

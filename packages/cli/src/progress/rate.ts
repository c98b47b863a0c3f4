// Speed and ETA from recent steps. A moving window (not the run's average) so the estimate
// recovers after the slow first steps (tfjs compiles kernels and warms caches there).

/** Tracks step completion times and estimates images/s and seconds remaining. */
export class RateMeter {
  private readonly times: number[] = [];
  private readonly steps: number[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly window = 20,
  ) {}

  /** Records that `step` finished at `nowMs`. */
  record(step: number, nowMs: number): void {
    this.times.push(nowMs);
    this.steps.push(step);
    if (this.times.length > this.window + 1) {
      this.times.shift();
      this.steps.shift();
    }
  }

  /** Seconds per step over the window, NaN until two steps are seen. */
  secondsPerStep(): number {
    const n = this.times.length;
    if (n < 2) return NaN;
    const dSteps = this.steps[n - 1] - this.steps[0];
    if (dSteps <= 0) return NaN;
    return (this.times[n - 1] - this.times[0]) / 1000 / dSteps;
  }

  imagesPerSec(): number {
    const sps = this.secondsPerStep();
    return Number.isFinite(sps) && sps > 0 ? this.batchSize / sps : NaN;
  }

  etaSeconds(step: number, totalSteps: number): number {
    const sps = this.secondsPerStep();
    return Number.isFinite(sps) ? Math.max(0, totalSteps - step) * sps : NaN;
  }
}

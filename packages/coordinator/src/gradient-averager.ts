// Averaging one phase's gradients as they arrive. Each worker sends the mean gradient over its
// n_i local samples; the global mean over B = Σ n_i samples is Σ n_i·g_i / B. Summing in float64
// keeps the result within one float32 rounding of a single process computing the mean over B,
// whatever the arrival order, and with one worker it reproduces that worker's gradient exactly.

/** Sample-weighted average of one phase's gradients, in buffers allocated once per phase. */
export class GradientAverager {
  private readonly sum: Float64Array;
  private readonly out: Float32Array[];
  private flip = 0;
  private samples = 0;
  private readonly seen = new Set<number>();

  /** `size` is the phase's manifest totalSize (elements of the flattened gradient). */
  constructor(readonly size: number) {
    this.sum = new Float64Array(size);
    // Two output buffers used in turn: the previous result may still be in flight (zeromq sends
    // large frames without copying) while the next one is computed.
    this.out = [new Float32Array(size), new Float32Array(size)];
  }

  /** Ranks that have contributed since the last reset. */
  get contributors(): ReadonlySet<number> {
    return this.seen;
  }

  /** Adds rank's gradient (a mean over `sampleCount` samples). Returns false if this rank already contributed. */
  add(rank: number, grads: Float32Array, sampleCount: number): boolean {
    if (grads.length !== this.size) throw new RangeError(`gradient has ${grads.length} values, this phase has ${this.size}`);
    if (this.seen.has(rank)) return false;
    const s = this.sum;
    // The first contribution overwrites: no pass to zero the sum between rounds.
    if (this.seen.size === 0) for (let i = 0; i < s.length; i++) s[i] = sampleCount * grads[i];
    else for (let i = 0; i < s.length; i++) s[i] += sampleCount * grads[i];
    this.seen.add(rank);
    this.samples += sampleCount;
    return true;
  }

  /**
   * Adds the last contribution and returns the average in one pass: the same values as
   * add() then finish(), without a separate pass over the float64 sum (a third less memory
   * traffic, which is what this loop is bound by).
   */
  addLast(rank: number, grads: Float32Array, sampleCount: number): { grads: Float32Array; sampleCount: number } | null {
    if (grads.length !== this.size) throw new RangeError(`gradient has ${grads.length} values, this phase has ${this.size}`);
    if (this.seen.has(rank)) return null;
    const samples = this.samples + sampleCount;
    if (samples <= 0) throw new RangeError('no samples were added to this average');
    const out = this.out[this.flip];
    this.flip ^= 1;
    const scale = 1 / samples;
    const s = this.sum;
    if (this.seen.size === 0) for (let i = 0; i < s.length; i++) out[i] = sampleCount * grads[i] * scale;
    else for (let i = 0; i < s.length; i++) out[i] = (s[i] + sampleCount * grads[i]) * scale;
    this.reset();
    return { grads: out, sampleCount: samples };
  }

  /** The average of everything added, then ready for the next round. */
  finish(): { grads: Float32Array; sampleCount: number } {
    if (this.samples <= 0) throw new RangeError('no samples were added to this average');
    const out = this.out[this.flip];
    this.flip ^= 1;
    const s = this.sum;
    const scale = 1 / this.samples;
    // A multiply by the reciprocal instead of a division per element (several times faster):
    // the float64 results differ by at most an ulp of float64, far below float32's rounding,
    // and with one worker n·g·(1/n) still rounds back to g exactly (g is a float32).
    for (let i = 0; i < s.length; i++) out[i] = s[i] * scale;
    const sampleCount = this.samples;
    this.reset();
    return { grads: out, sampleCount };
  }

  /** Forgets a partial round (e.g. a step abandoned because a worker died). */
  reset(): void {
    this.samples = 0;
    this.seen.clear();
  }
}

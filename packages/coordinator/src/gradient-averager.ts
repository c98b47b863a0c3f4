// Averaging one phase's gradients as they arrive. Each worker sends the mean gradient over its
// n_i local samples; the global mean over B = Σ n_i samples is Σ n_i·g_i / B. Summing in float64
// keeps the result within one float32 rounding of a single process computing the mean over B,
// whatever the arrival order, and with one worker it reproduces that worker's gradient exactly.

/** Sample-weighted average of one phase's gradients, in buffers allocated once per phase. */
export class GradientAverager {
  // Allocated on first use: on the shared-memory plane a phase is never averaged here.
  private sumBuffer: Float64Array | null = null;
  private outBuffers: Float32Array[] | null = null;
  private flip = 0;
  private samples = 0;
  private readonly seen = new Set<number>();
  /**
   * The first contribution of a round, kept by reference and folded into the sum together with
   * the second: one pass over the buffers fewer (with 2 workers no float64 pass at all), the same
   * float64 operations, so the same bits.
   */
  private first: { grads: Float32Array; sampleCount: number } | null = null;

  /** `size` is the phase's manifest totalSize (elements of the flattened gradient). */
  constructor(readonly size: number) {
  }

  private get sum(): Float64Array {
    return (this.sumBuffer ??= new Float64Array(this.size));
  }

  /**
   * Two output buffers used in turn: the previous result may still be in flight (zeromq sends
   * large frames without copying) while the next one is computed.
   */
  private get out(): Float32Array[] {
    return (this.outBuffers ??= [new Float32Array(this.size), new Float32Array(this.size)]);
  }

  /** Ranks that have contributed since the last reset. */
  get contributors(): ReadonlySet<number> {
    return this.seen;
  }

  /**
   * Adds rank's gradient (a mean over `sampleCount` samples). Returns false if this rank already
   * contributed. The first gradient of a round is kept by reference until the round ends: do not
   * modify it meanwhile (received message buffers are never reused, so the coordinator need not copy).
   */
  add(rank: number, grads: Float32Array, sampleCount: number): boolean {
    if (grads.length !== this.size) throw new RangeError(`gradient has ${grads.length} values, this phase has ${this.size}`);
    if (this.seen.has(rank)) return false;
    const s = this.sum;
    const f = this.first;
    if (this.seen.size === 0) this.first = { grads, sampleCount };
    else if (f) {
      // The first two contributions overwrite the sum: no pass to zero it between rounds.
      const [a, na] = [f.grads, f.sampleCount];
      for (let i = 0; i < s.length; i++) s[i] = na * a[i] + sampleCount * grads[i];
      this.first = null;
    } else for (let i = 0; i < s.length; i++) s[i] += sampleCount * grads[i];
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
    const f = this.first;
    if (this.seen.size === 0) for (let i = 0; i < s.length; i++) out[i] = sampleCount * grads[i] * scale;
    else if (f) {
      const [a, na] = [f.grads, f.sampleCount];
      for (let i = 0; i < s.length; i++) out[i] = (na * a[i] + sampleCount * grads[i]) * scale;
    } else for (let i = 0; i < s.length; i++) out[i] = (s[i] + sampleCount * grads[i]) * scale;
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
    const f = this.first;
    if (f) {
      // One contribution: n·g·(1/n), as the sum would have held n·g.
      for (let i = 0; i < s.length; i++) out[i] = f.sampleCount * f.grads[i] * scale;
      const sampleCount = this.samples;
      this.reset();
      return { grads: out, sampleCount };
    }
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
    this.first = null;
    this.samples = 0;
    this.seen.clear();
  }
}

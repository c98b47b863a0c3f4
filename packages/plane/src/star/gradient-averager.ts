// The star's arithmetic at the coordinator: one phase's gradients, one per rank, averaged with
// the same kernel and in the same rank order as the shared-memory plane (averaging/), so both
// planes give the same bits. Contributions arrive in any order: ranks 0 and 1 are copied into
// the kernel's operand regions as they come (overlapping the wait for the others), later ranks
// are kept by reference (received message buffers are never reused) and summed once all are in.
import { WeightedAverage } from '../averaging/weighted-average.js';

export class GradientAverager {
  private readonly average: WeightedAverage;
  private readonly grads: (Float32Array | null)[];
  private readonly counts: number[];
  private readonly present: boolean[];
  private seen = 0;

  /** `size` is the phase's manifest totalSize (elements of the flattened gradient). */
  constructor(
    readonly size: number,
    readonly worldSize: number,
  ) {
    this.average = new WeightedAverage(size);
    this.grads = new Array<Float32Array | null>(worldSize).fill(null);
    this.counts = new Array<number>(worldSize).fill(0);
    this.present = new Array<boolean>(worldSize).fill(false);
  }

  /** Ranks that have contributed since the last reset. */
  get contributors(): number {
    return this.seen;
  }

  has(rank: number): boolean {
    return this.present[rank] === true;
  }

  /** True once every rank contributed. */
  get complete(): boolean {
    return this.seen === this.worldSize;
  }

  /**
   * Adds rank's gradient (a mean over `sampleCount` samples). Returns false if this rank
   * already contributed. Do not modify `grads` until the round ends.
   */
  add(rank: number, grads: Float32Array, sampleCount: number): boolean {
    if (grads.length !== this.size) throw new RangeError(`gradient has ${grads.length} values, this phase has ${this.size}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.worldSize) throw new RangeError(`rank ${rank} is not in [0, ${this.worldSize})`);
    if (this.has(rank)) return false;
    this.counts[rank] = sampleCount;
    this.present[rank] = true;
    this.seen++;
    const { sum } = this.average;
    if (this.worldSize > 1 && rank < 2) (rank === 0 ? sum.a : sum.b).set(grads);
    else this.grads[rank] = grads;
    return true;
  }

  /**
   * The average of every rank's gradient, then ready for the next round. The result is a view of
   * the kernel's memory, valid until the next round of this phase completes (which needs every
   * rank's next gradient, so every rank has received this one by then).
   */
  finish(): { grads: Float32Array; sampleCount: number } {
    if (!this.complete) throw new RangeError(`${this.seen} of ${this.worldSize} ranks contributed; the average needs all`);
    const counts = [...this.counts];
    const preloaded = this.worldSize > 1;
    const grads = this.average.compute(counts, this.size, 0, (q, into) => {
      if (preloaded && q < 2) return;
      into.set(this.grads[q]!);
    });
    this.reset();
    return { grads, sampleCount: counts.reduce((a, c) => a + c, 0) };
  }

  /** Forgets a partial round (e.g. a step abandoned because a worker died). */
  reset(): void {
    this.grads.fill(null);
    this.counts.fill(0);
    this.present.fill(false);
    this.seen = 0;
  }
}

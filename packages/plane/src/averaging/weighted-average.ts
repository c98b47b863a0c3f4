// The one definition of a gradient average in dgm, whichever plane computes it. Rank q sends the
// mean gradient g_q over its n_q samples; the average over all N = Σ n_q samples is
//   Σ_q w_q·g_q in rank order, w_q = n_q / N rounded to float32,
// each product and each partial sum rounded to float32 (the SIMD kernel of weighted-sum.ts).
// The star's coordinator and the shared plane's ranks run exactly this, so a run's weights do
// not depend on which plane averaged its gradients. With one rank the average is its gradient,
// copied bit for bit (w = 1 would give the same values except that -0 would become +0).
import { WeightedSum } from './weighted-sum.js';

/** Fills `into` (a view of `capacity` floats) with rank q's operand. */
export type LoadOperand = (q: number, into: Float32Array) => void;

export class WeightedAverage {
  readonly sum: WeightedSum;

  /** Operands of up to `capacity` floats; results placed anywhere in an output of `outCapacity`. */
  constructor(capacity: number, outCapacity = capacity) {
    this.sum = new WeightedSum(capacity, outCapacity);
  }

  /** The output region: results are views into it, valid until the next compute(). */
  get out(): Float32Array {
    return this.sum.out;
  }

  /**
   * out[at..at+len) = Σ_q w_q·g_q over the ranks of `counts` in rank order; `load(q, into)`
   * puts g_q (len floats) into `into`. Ranks 0 and 1 load into the kernel's regions a and b,
   * later ranks into a in turn: a caller may fill a (rank 0) and b (rank 1) ahead and skip them.
   * A single rank loads straight into the output.
   */
  compute(counts: readonly number[], len: number, at: number, load: LoadOperand): Float32Array {
    const total = counts.reduce((a, c) => a + c, 0);
    if (counts.length === 0 || !(total > 0)) throw new RangeError(`an average needs positive sample counts, got [${counts.join(', ')}]`);
    const { sum } = this;
    if (counts.length === 1) {
      load(0, sum.out.subarray(at, at + len)); // straight into the output: a copy, no arithmetic
      return sum.out.subarray(at, at + len);
    }
    load(0, sum.a.subarray(0, len));
    load(1, sum.b.subarray(0, len));
    sum.combine(counts[0]! / total, counts[1]! / total, len, at);
    for (let q = 2; q < counts.length; q++) {
      load(q, sum.a.subarray(0, len));
      sum.accumulate(counts[q]! / total, len, at);
    }
    return sum.out.subarray(at, at + len);
  }
}

import { EvalInputError } from './errors.js';

/** Mean and covariance of a set of feature vectors, in float64. */
export interface FeatureStats {
  /** Number of feature vectors summarised. */
  count: number;
  /** Feature dimension d. */
  dim: number;
  /** Mean vector, length d. */
  mean: Float64Array;
  /** Unbiased covariance (divides by count − 1), d×d row-major. */
  covariance: Float64Array;
}

/**
 * Streams feature vectors batch by batch into a mean and covariance, all in float64.
 *
 * Why not Σx and Σxxᵀ: with features of mean μ and spread σ, the one-pass formula subtracts two
 * numbers of size μ² to get σ², losing about log10(μ²/σ²) digits — fatal in float32 and not
 * safe even in float64 for thousands of samples. Each batch is centred on its own mean first and
 * merged with Chan et al.'s pairwise update (M2 = M2a + M2b + δδᵀ·na·nb/n), which stays accurate.
 */
export class FeatureAccumulator {
  readonly dim: number;
  private n = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new EvalInputError(`FeatureAccumulator needs a positive integer feature dimension; got ${dim}.`);
    }
    this.dim = dim;
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
  }

  /** Number of vectors added so far. */
  get count(): number {
    return this.n;
  }

  /** Adds `features.length / dim` row-major vectors. */
  add(features: ArrayLike<number>): void {
    const d = this.dim;
    if (features.length % d !== 0) {
      throw new EvalInputError(`Feature rows must have ${d} values each; got ${features.length} values, which is not a multiple of ${d}.`);
    }
    const nb = features.length / d;
    if (nb === 0) return;
    const batchMean = new Float64Array(d);
    for (let r = 0; r < nb; r++) {
      for (let j = 0; j < d; j++) {
        const x = features[r * d + j];
        if (!Number.isFinite(x)) {
          throw new EvalInputError(`Features must be finite; row ${this.n + r}, column ${j} is ${x}.`);
        }
        batchMean[j] += x;
      }
    }
    for (let j = 0; j < d; j++) batchMean[j] /= nb;
    // Centred co-moment of this batch, upper triangle only (mirrored at the end).
    const batchM2 = new Float64Array(d * d);
    const centred = new Float64Array(d);
    for (let r = 0; r < nb; r++) {
      for (let j = 0; j < d; j++) centred[j] = features[r * d + j] - batchMean[j];
      for (let i = 0; i < d; i++) {
        const ci = centred[i];
        if (ci === 0) continue; // post-ReLU features are often exactly at their batch mean of 0
        const row = i * d;
        for (let j = i; j < d; j++) batchM2[row + j] += ci * centred[j];
      }
    }
    const na = this.n;
    const total = na + nb;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = batchMean[j] - this.mean[j];
    const weight = (na * nb) / total;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = this.m2[i * d + j] + batchM2[i * d + j] + delta[i] * delta[j] * weight;
        this.m2[i * d + j] = v;
        this.m2[j * d + i] = v;
      }
    }
    for (let j = 0; j < d; j++) this.mean[j] += (delta[j] * nb) / total;
    this.n = total;
  }

  /** The mean and unbiased covariance of everything added (needs at least 2 vectors). */
  stats(): FeatureStats {
    if (this.n < 2) {
      throw new EvalInputError(`Feature statistics need at least 2 vectors; got ${this.n}.`);
    }
    const covariance = new Float64Array(this.m2.length);
    for (let i = 0; i < covariance.length; i++) covariance[i] = this.m2[i] / (this.n - 1);
    return { count: this.n, dim: this.dim, mean: Float64Array.from(this.mean), covariance };
  }
}

/** Mean and unbiased covariance (float64) of row-major feature vectors of dimension `dim`. */
export function featureStats(features: ArrayLike<number>, dim: number): FeatureStats {
  const accumulator = new FeatureAccumulator(dim);
  accumulator.add(features);
  return accumulator.stats();
}

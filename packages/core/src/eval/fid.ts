import { EvalInputError } from './errors.js';
import { featureStats, type FeatureStats } from './feature-stats.js';
import { traceSqrtProduct } from './matrix-sqrt.js';

/** The Fréchet distance and its parts, for diagnosis. */
export interface FrechetDistance {
  /** ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½, clamped at 0. */
  fid: number;
  /** ‖μ1 − μ2‖², the part due to the means. */
  meanTerm: number;
  /** tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½, the part due to the covariances. */
  covarianceTerm: number;
  /** Rounding-level eigenvalues set to 0 inside the matrix square roots (see matrix-sqrt.ts). */
  clampedEigenvalues: number;
}

/**
 * Fréchet distance between two Gaussians fitted to feature sets (the FID formula), in float64.
 * The square root is taken through symmetric eigendecompositions (see traceSqrtProduct), not a
 * few Newton–Schulz iterations, whose error at these condition numbers is larger than the score.
 */
export function frechetDistance(a: FeatureStats, b: FeatureStats): FrechetDistance {
  if (a.dim !== b.dim) {
    throw new EvalInputError(`Both feature sets must have the same dimension; got ${a.dim} and ${b.dim}.`);
  }
  const d = a.dim;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  let traces = 0;
  for (let j = 0; j < d; j++) traces += a.covariance[j * d + j] + b.covariance[j * d + j];
  const cross = traceSqrtProduct(a.covariance, b.covariance, d);
  const covarianceTerm = traces - 2 * cross.trace;
  // Identical inputs give 0 up to rounding (≈1e−13·tr Σ); the distance is never negative.
  const fid = Math.max(0, meanTerm + covarianceTerm);
  return { fid, meanTerm, covarianceTerm, clampedEigenvalues: cross.clamped };
}

/** FID between two row-major feature sets of dimension `dim` (each needs ≥ 2 rows). */
export function fidFromFeatures(a: ArrayLike<number>, b: ArrayLike<number>, dim: number): number {
  return frechetDistance(featureStats(a, dim), featureStats(b, dim)).fid;
}

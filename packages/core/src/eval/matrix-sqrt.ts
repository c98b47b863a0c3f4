import { EvalInputError } from './errors.js';
import { symmetricEigen } from './symmetric-eigen.js';

/**
 * Eigenvalues below −NEGATIVE_TOLERANCE · max|λ| mean the matrix is not positive semidefinite at
 * all (a bug upstream, not rounding), so they are refused instead of silently clamped.
 */
const NEGATIVE_TOLERANCE = 1e-9;

/**
 * Eigenvalues of a symmetric PSD matrix with rounding-level ones (|λ| ≤ n·ε·λmax) set to 0.
 *
 * Covariances are PSD in exact arithmetic, but rounding (and rank deficiency when there are
 * fewer samples than feature dimensions) leaves eigenvalues like ±1e−17·λmax. Negative ones would
 * make √λ NaN; tiny positive ones are just as much noise, and √ magnifies them (√1e−16 = 1e−8),
 * so both are set to 0, their exact value. That makes tr √(Σ^½ Σ Σ^½) = tr Σ to ~1e−14 even for
 * singular Σ, instead of ~1e−8.
 */
function clampedEigenvalues(values: Float64Array, what: string): { values: Float64Array; clamped: number } {
  let largest = 0;
  for (const x of values) largest = Math.max(largest, Math.abs(x));
  const noise = values.length * Number.EPSILON * largest;
  const out = new Float64Array(values.length);
  let clamped = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < -NEGATIVE_TOLERANCE * largest) {
      throw new EvalInputError(
        `${what} must be symmetric positive semidefinite; it has eigenvalue ${x.toExponential(3)} against a largest magnitude of ${largest.toExponential(3)}.`,
      );
    }
    if (x <= noise) {
      clamped++;
      out[i] = 0;
    } else {
      out[i] = x;
    }
  }
  return { values: out, clamped };
}

/** Principal square root of a symmetric positive semidefinite matrix. */
export interface SymmetricSqrt {
  /** √A, n×n row-major float64, symmetric PSD, with √A·√A = A. */
  sqrt: Float64Array;
  /** How many rounding-level eigenvalues (|λ| ≤ n·ε·λmax, including all negative ones) were set to 0. */
  clamped: number;
}

/**
 * √A for a symmetric PSD n×n matrix (row-major), through the symmetric eigendecomposition
 * A = V Λ Vᵀ ⇒ √A = V √Λ Vᵀ, in float64. Rounding-level negative eigenvalues are clamped to 0
 * and so are rounding-level positive ones (see `clampedEigenvalues`); clearly negative ones throw
 * EvalInputError.
 */
export function symmetricSqrt(a: ArrayLike<number>, n: number): SymmetricSqrt {
  const { values, vectors } = symmetricEigen(a, n);
  const clampedResult = clampedEigenvalues(values, 'The matrix passed to symmetricSqrt');
  const roots = clampedResult.values.map(Math.sqrt);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k] * roots[k] * vectors[j * n + k];
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return { sqrt: out, clamped: clampedResult.clamped };
}

/** C = A·B for n×n row-major matrices. */
function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/**
 * tr((Σ1^½ Σ2 Σ1^½)^½) for symmetric PSD Σ1, Σ2 — the cross term of the Fréchet distance.
 *
 * Why this form and not sqrtm(Σ1Σ2): Σ1Σ2 is not symmetric, so a general (Schur) square root would
 * be needed. Σ1^½ Σ2 Σ1^½ is similar to Σ1Σ2 (same eigenvalues, hence the same trace of the square
 * root) but symmetric PSD, so two symmetric eigendecompositions do it exactly in float64.
 */
export function traceSqrtProduct(sigma1: ArrayLike<number>, sigma2: ArrayLike<number>, n: number): { trace: number; clamped: number } {
  if (sigma2.length !== n * n) {
    throw new EvalInputError(`traceSqrtProduct needs two ${n}×${n} matrices; the second has ${sigma2.length} entries.`);
  }
  const root1 = symmetricSqrt(sigma1, n);
  const s2 = Float64Array.from(sigma2);
  const product = multiply(multiply(root1.sqrt, s2, n), root1.sqrt, n);
  const { values } = symmetricEigen(product, n);
  const clampedResult = clampedEigenvalues(values, 'Σ1^½ Σ2 Σ1^½');
  let trace = 0;
  for (const x of clampedResult.values) trace += Math.sqrt(x);
  return { trace, clamped: root1.clamped + clampedResult.clamped };
}

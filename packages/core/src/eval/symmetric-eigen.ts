import { EvalInputError } from './errors.js';

/** Eigendecomposition of a real symmetric matrix: A = V · diag(values) · Vᵀ. */
export interface SymmetricEigen {
  /** Order of the matrix. */
  n: number;
  /** Eigenvalues, in no particular order (values[j] belongs to column j of `vectors`). */
  values: Float64Array;
  /** Orthonormal eigenvectors as the COLUMNS of an n×n row-major matrix: vectors[i*n + j] = V[i][j]. */
  vectors: Float64Array;
  /** Jacobi sweeps used (a health signal: typically 6–12 for n ≤ 256). */
  sweeps: number;
}

/** Upper bound on sweeps; cyclic Jacobi converges quadratically, so reaching it means bad input. */
const MAX_SWEEPS = 100;

/**
 * Eigendecomposition of a real symmetric n×n matrix (row-major, float64) by the cyclic Jacobi
 * method, entirely in float64.
 *
 * Why Jacobi: FID needs eigenvalues of covariance products that are nearly singular (more feature
 * dimensions than informative directions); Jacobi computes small eigenvalues of symmetric matrices
 * to high RELATIVE accuracy and its eigenvectors are orthogonal to machine precision, which is
 * what the matrix square root needs. The cost (≈ 10 sweeps × n³) is milliseconds at n = 128.
 *
 * Only the upper triangle of `a` is read (the matrix is treated as exactly symmetric); `a` is not
 * modified. Stops when the off-diagonal Frobenius norm falls below 1e-15 of the whole norm.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1) {
    throw new EvalInputError(`symmetricEigen needs a positive integer order n; got ${n}.`);
  }
  if (a.length !== n * n) {
    throw new EvalInputError(`symmetricEigen needs an n×n matrix of ${n * n} entries for n = ${n}; got ${a.length}.`);
  }
  // Work on a symmetrised copy built from the upper triangle, so tiny asymmetries from rounding
  // upstream cannot bias the rotations.
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = a[i * n + j];
      if (!Number.isFinite(v)) {
        throw new EvalInputError(`symmetricEigen needs finite entries; entry (${i}, ${j}) is ${v}.`);
      }
      m[i * n + j] = v;
      m[j * n + i] = v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i] * m[i];
  const tolerance = total * 1e-30; // (1e-15 · ‖A‖_F)²

  let sweeps = 0;
  for (; sweeps < MAX_SWEEPS; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q] * m[p * n + q];
    if (off <= tolerance) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        // Rotation angle φ with cot 2φ = θ zeroes (p,q); t = tan φ is the smaller root of
        // t² + 2θt − 1 = 0, which keeps the rotation below 45° (needed for convergence).
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          const newKp = c * akp - s * akq;
          const newKq = s * akp + c * akq;
          m[k * n + p] = newKp;
          m[p * n + k] = newKp;
          m[k * n + q] = newKq;
          m[q * n + k] = newKq;
        }
        m[p * n + p] = app - t * apq;
        m[q * n + q] = aqq + t * apq;
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  if (sweeps === MAX_SWEEPS) {
    throw new Error(`symmetricEigen did not converge in ${MAX_SWEEPS} Jacobi sweeps (n = ${n}).`);
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { n, values, vectors: v, sweeps };
}

import { describe, expect, it } from 'vitest';
import { EvalInputError, symmetricEigen, symmetricSqrt, traceSqrtProduct } from '../../src/eval/index.js';

/** Deterministic pseudo-random numbers in [-1, 1) (tests only need variety, not quality). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2147483648 - 1;
  };
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

/** A random symmetric PSD matrix B·Bᵀ of rank `rank` (rank < n makes it singular). */
function randomPsd(n: number, rank: number, seed: number): Float64Array {
  const rand = lcg(seed);
  const b = new Float64Array(n * rank).map(() => rand());
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < rank; k++) out[i * n + j] += b[i * rank + k] * b[j * rank + k];
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('symmetricEigen', () => {
  it('reconstructs A = V diag(λ) Vᵀ with orthonormal V for a random 40×40 symmetric matrix', () => {
    const n = 40;
    const rand = lcg(7);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rand();
    const { values, vectors, sweeps } = symmetricEigen(a, n);
    expect(sweeps).toBeLessThan(20);
    const scaled = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled[i * n + j] = vectors[i * n + j] * values[j];
    const vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[i * n + j] = vectors[j * n + i];
    expect(maxAbsDiff(multiply(scaled, vt, n), a)).toBeLessThan(1e-12);
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    expect(maxAbsDiff(multiply(vt, vectors, n), identity)).toBeLessThan(1e-13);
  });

  it('finds the known eigenvalues of a 2×2 matrix and of a diagonal one', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3.
    const two = Array.from(symmetricEigen([2, 1, 1, 2], 2).values).sort((x, y) => x - y);
    expect(two[0]).toBeCloseTo(1, 14);
    expect(two[1]).toBeCloseTo(3, 14);
    expect(Array.from(symmetricEigen([5, 0, 0, 0, -2, 0, 0, 0, 9], 3).values)).toEqual([5, -2, 9]);
  });

  it('rejects a wrong size and non-finite entries with EvalInputError', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(EvalInputError);
    expect(() => symmetricEigen([1, Number.NaN, Number.NaN, 1], 2)).toThrow(/finite/);
  });
});

describe('symmetricSqrt', () => {
  it('recovers a known symmetric PSD matrix A from A·A', () => {
    const n = 30;
    const a = randomPsd(n, n, 3);
    const { sqrt } = symmetricSqrt(multiply(a, a, n), n);
    let scale = 0;
    for (const x of a) scale = Math.max(scale, Math.abs(x));
    expect(maxAbsDiff(sqrt, a) / scale).toBeLessThan(1e-10);
  });

  it('clamps rounding-level negative eigenvalues of a singular matrix instead of producing NaN', () => {
    const n = 20;
    const a = randomPsd(n, 5, 11); // rank 5: 15 eigenvalues are 0 up to rounding, some negative
    const { sqrt, clamped } = symmetricSqrt(a, n);
    expect(sqrt.every(Number.isFinite)).toBe(true);
    expect(clamped).toBeGreaterThan(0);
    let scale = 0;
    for (const x of a) scale = Math.max(scale, Math.abs(x));
    expect(maxAbsDiff(multiply(sqrt, sqrt, n), a) / scale).toBeLessThan(1e-10);
  });

  it('refuses a clearly indefinite matrix', () => {
    expect(() => symmetricSqrt([1, 0, 0, -1], 2)).toThrow(/positive semidefinite/);
  });
});

describe('traceSqrtProduct', () => {
  it('equals Σ√(a_i b_i) for commuting diagonal matrices', () => {
    const a = [4, 0, 0, 0, 9, 0, 0, 0, 0.25];
    const b = [1, 0, 0, 0, 4, 0, 0, 0, 16];
    expect(traceSqrtProduct(a, b, 3).trace).toBeCloseTo(2 + 6 + 2, 12);
  });

  it('equals tr Σ for Σ against itself, even when Σ is singular', () => {
    const n = 32;
    const s = randomPsd(n, 10, 5);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += s[i * n + i];
    expect(Math.abs(traceSqrtProduct(s, s, n).trace - trace) / trace).toBeLessThan(1e-12);
  });

  it('matches tr √(Σ1Σ2) computed through the (non-symmetric) product for a random pair', () => {
    // For PSD Σ1, Σ2 the eigenvalues of Σ1Σ2 are real and ≥ 0, equal to those of Σ1^½Σ2Σ1^½.
    // Check with 2×2 matrices, whose eigenvalues follow from trace and determinant.
    const s1 = [2, 0.5, 0.5, 1];
    const s2 = [1, -0.3, -0.3, 3];
    const p = multiply(Float64Array.from(s1), Float64Array.from(s2), 2);
    const tr = p[0] + p[3];
    const det = p[0] * p[3] - p[1] * p[2];
    const disc = Math.sqrt(tr * tr - 4 * det);
    const expected = Math.sqrt((tr + disc) / 2) + Math.sqrt((tr - disc) / 2);
    expect(traceSqrtProduct(s1, s2, 2).trace).toBeCloseTo(expected, 12);
  });
});

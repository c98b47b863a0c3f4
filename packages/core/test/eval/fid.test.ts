import { describe, expect, it } from 'vitest';
import { EvalInputError, FeatureAccumulator, featureStats, fidFromFeatures, frechetDistance } from '../../src/eval/index.js';

describe('featureStats', () => {
  it('gives the exact mean and unbiased covariance of a small set', () => {
    // Rows (1,2), (3,6), (5,4): mean (3,4); deviations (-2,-2), (0,2), (2,0).
    const s = featureStats([1, 2, 3, 6, 5, 4], 2);
    expect(Array.from(s.mean)).toEqual([3, 4]);
    expect(Array.from(s.covariance)).toEqual([4, 2, 2, 4]); // Σ dev dev' / (3 - 1)
  });

  it('accumulates in float64 without cancellation: offset 1e4, spread 1e-3, 60,000 rows in batches', () => {
    // Two columns: x = 1e4 + 1e-3·a and y = 1e4 − 1e-3·a with a cycling through −1, 0, 1.
    // True var(x) = var(y) = 1e-6·(2/3)·n/(n−1), cov = −var. A float32 sum, or float64 Σx² − n·x̄²
    // (which cancels 1e8 against 1e8 to find 1e-6), is wrong in the leading digits.
    const n = 60_000;
    const acc = new FeatureAccumulator(2);
    for (let start = 0; start < n; start += 1_000) {
      const batch = new Float64Array(2_000);
      for (let r = 0; r < 1_000; r++) {
        const a = ((start + r) % 3) - 1;
        batch[2 * r] = 1e4 + 1e-3 * a;
        batch[2 * r + 1] = 1e4 - 1e-3 * a;
      }
      acc.add(batch);
    }
    const s = acc.stats();
    const variance = (1e-6 * (2 / 3) * n) / (n - 1);
    expect(s.count).toBe(n);
    expect(Math.abs(s.mean[0] - 1e4)).toBeLessThan(1e-9);
    expect(Math.abs(s.covariance[0] / variance - 1)).toBeLessThan(1e-6);
    expect(Math.abs(s.covariance[1] / -variance - 1)).toBeLessThan(1e-6);
    expect(s.covariance[1]).toBe(s.covariance[2]);
  });

  it('gives the same statistics whatever the batching', () => {
    const data = Float64Array.from({ length: 3 * 50 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 3));
    const whole = featureStats(data, 3);
    const acc = new FeatureAccumulator(3);
    for (const [a, b] of [[0, 3], [3, 60], [60, 63], [63, 150]]) acc.add(data.subarray(a, b));
    const parts = acc.stats();
    for (let i = 0; i < 9; i++) expect(parts.covariance[i]).toBeCloseTo(whole.covariance[i], 12);
    for (let i = 0; i < 3; i++) expect(parts.mean[i]).toBeCloseTo(whole.mean[i], 12);
  });

  it('rejects ragged rows, non-finite values and fewer than 2 vectors', () => {
    expect(() => featureStats([1, 2, 3], 2)).toThrow(EvalInputError);
    expect(() => featureStats([1, 2, Number.NaN, 4], 2)).toThrow(/finite/);
    expect(() => featureStats([1, 2], 2)).toThrow(/at least 2/);
  });
});

describe('frechetDistance', () => {
  it('matches the closed form for Gaussians with diagonal covariances', () => {
    // FID = ‖μ1−μ2‖² + Σ (σ1 − σ2)² for diagonal covariances.
    const a = { count: 10, dim: 2, mean: Float64Array.from([0, 0]), covariance: Float64Array.from([4, 0, 0, 1]) };
    const b = { count: 10, dim: 2, mean: Float64Array.from([1, 2]), covariance: Float64Array.from([1, 0, 0, 9]) };
    const d = frechetDistance(a, b);
    expect(d.meanTerm).toBeCloseTo(5, 12);
    expect(d.covarianceTerm).toBeCloseTo((2 - 1) ** 2 + (1 - 3) ** 2, 12);
    expect(d.fid).toBeCloseTo(10, 12);
  });

  it('is 0 for a feature set against itself, even with more dimensions than samples', () => {
    const dim = 16;
    const rows = 10; // rank-deficient covariance
    const f = Float32Array.from({ length: rows * dim }, (_, i) => Math.cos(i * 0.37) * 5);
    expect(fidFromFeatures(f, f, dim)).toBeLessThan(1e-9);
  });

  it('is symmetric and grows with a shift of the mean', () => {
    const dim = 4;
    const base = Float64Array.from({ length: 200 * dim }, (_, i) => Math.sin(i * 0.91) + Math.cos(i * 0.13));
    const shifted = (s: number): Float64Array => base.map((x) => x + s);
    const d1 = fidFromFeatures(base, shifted(0.5), dim);
    const d2 = fidFromFeatures(base, shifted(1), dim);
    expect(d1).toBeCloseTo(dim * 0.25, 9); // same covariance: only ‖Δμ‖² remains
    expect(d2).toBeCloseTo(dim * 1, 9);
    expect(fidFromFeatures(shifted(1), base, dim)).toBeCloseTo(d2, 9);
  });

  it('refuses feature sets of different dimensions', () => {
    const a = featureStats([1, 2, 3, 4, 5, 7], 2);
    const b = featureStats([1, 2, 3, 4, 5, 7], 3);
    expect(() => frechetDistance(a, b)).toThrow(/same dimension/);
  });
});

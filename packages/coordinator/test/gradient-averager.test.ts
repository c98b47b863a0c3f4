import { describe, expect, it } from 'vitest';
import { GradientAverager } from '../src/gradient-averager.js';

describe('GradientAverager', () => {
  it('weights each gradient by its sample count', () => {
    const avg = new GradientAverager(3);
    avg.add(0, Float32Array.of(1, 2, 3), 3);
    avg.add(1, Float32Array.of(5, -2, 0), 1);
    const { grads, sampleCount } = avg.finish();
    expect(sampleCount).toBe(4);
    expect(Array.from(grads)).toEqual([2, 1, 2.25]);
  });

  it('returns one worker’s gradient bit for bit', () => {
    const g = Float32Array.from({ length: 1000 }, (_, i) => Math.fround(Math.sin(i) * 1e-3 + i * 1e-7));
    const avg = new GradientAverager(g.length);
    avg.add(0, g, 7);
    expect(avg.finish().grads).toEqual(g);
  });

  it('matches the mean over the union of samples within float32 rounding, in any order', () => {
    // Per-sample "gradients"; a single process would average all 10, workers average 4, 3 and 3.
    const per = Array.from({ length: 10 }, (_, s) => Float32Array.from({ length: 50 }, (_, i) => Math.fround(Math.cos(s * 7 + i) * (1 + s))));
    const mean = (rows: Float32Array[]) => {
      const m = new Float32Array(50);
      for (let i = 0; i < 50; i++) m[i] = rows.reduce((a, r) => a + r[i], 0) / rows.length;
      return m;
    };
    const whole = mean(per);
    for (const order of [[0, 1, 2], [2, 0, 1]]) {
      const parts = [per.slice(0, 4), per.slice(4, 7), per.slice(7)];
      const avg = new GradientAverager(50);
      for (const r of order) avg.add(r, mean(parts[r]), parts[r].length);
      const got = avg.finish().grads;
      for (let i = 0; i < 50; i++) expect(Math.abs(got[i] - whole[i])).toBeLessThanOrEqual(4e-7 * (1 + Math.abs(whole[i])));
    }
  });

  it('refuses a second contribution of the same rank and rejects wrong sizes', () => {
    const avg = new GradientAverager(2);
    expect(avg.add(0, Float32Array.of(1, 1), 1)).toBe(true);
    expect(avg.add(0, Float32Array.of(9, 9), 1)).toBe(false);
    expect(() => avg.add(1, Float32Array.of(1), 1)).toThrow(/1 values, this phase has 2/);
    expect(Array.from(avg.finish().grads)).toEqual([1, 1]);
    expect(() => avg.finish()).toThrow(/no samples/);
  });

  it('keeps the previous result intact while computing the next', () => {
    const avg = new GradientAverager(1);
    avg.add(0, Float32Array.of(1), 1);
    const first = avg.finish().grads;
    avg.add(0, Float32Array.of(2), 1);
    const second = avg.finish().grads;
    expect([first[0], second[0]]).toEqual([1, 2]);
  });
});

describe('GradientAverager.addLast', () => {
  it('gives exactly what add() then finish() give', () => {
    const a = Float32Array.from({ length: 257 }, (_, i) => Math.fround(Math.sin(i) * 1e-2));
    const b = Float32Array.from({ length: 257 }, (_, i) => Math.fround(Math.cos(i * 3) * 1e-3));
    const c = Float32Array.from({ length: 257 }, (_, i) => Math.fround((i % 7) - 3));
    const twoStep = new GradientAverager(257);
    twoStep.add(0, a, 5);
    twoStep.add(1, b, 3);
    twoStep.add(2, c, 2);
    const expected = Float32Array.from(twoStep.finish().grads);
    const fused = new GradientAverager(257);
    fused.add(0, a, 5);
    fused.add(1, b, 3);
    const got = fused.addLast(2, c, 2)!;
    expect(got.sampleCount).toBe(10);
    expect(got.grads).toEqual(expected);
    const alone = new GradientAverager(257);
    expect(alone.addLast(0, a, 7)!.grads).toEqual(a); // one worker: its gradient, bit for bit
    expect(fused.addLast(0, a, 1)!.grads).toEqual(a); // the round before was reset
    const two = new GradientAverager(257);
    two.add(1, b, 3);
    const pair = two.addLast(0, a, 5)!.grads; // float64 sum, one rounding to float32
    for (let i = 0; i < 257; i++) expect(pair[i]).toBe(Math.fround((3 * b[i] + 5 * a[i]) * (1 / 8)));
  });
});

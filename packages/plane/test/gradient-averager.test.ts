// The star's arithmetic at the coordinator: every rank's gradient, weighted by its sample count,
// summed in rank order with the planes' one kernel (averaging/weighted-average.ts).
import { describe, expect, it } from 'vitest';
import { GradientAverager } from '../src/star/gradient-averager.js';

const f = Math.fround;

describe('GradientAverager', () => {
  it('weights each gradient by its sample count', () => {
    const avg = new GradientAverager(3, 2);
    avg.add(0, Float32Array.of(1, 2, 3), 3);
    avg.add(1, Float32Array.of(5, -2, 0), 1);
    const { grads, sampleCount } = avg.finish();
    expect(sampleCount).toBe(4);
    expect(Array.from(grads)).toEqual([2, 1, 2.25]);
  });

  it('returns one worker’s gradient bit for bit (negative zeros too)', () => {
    const g = Float32Array.from({ length: 1000 }, (_, i) => Math.fround(Math.sin(i) * 1e-3 + i * 1e-7));
    g[3] = -0;
    const avg = new GradientAverager(g.length, 1);
    avg.add(0, g, 7);
    const out = avg.finish().grads;
    expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(g.buffer))).toBe(true);
  });

  it('gives the same bits whatever order the ranks arrive in: float32 w_q·g_q summed in rank order', () => {
    const g = [0, 1, 2].map((q) => Float32Array.from({ length: 50 }, (_, i) => Math.fround(Math.cos(q * 7 + i) * (1 + q))));
    const counts = [4, 3, 3];
    const w = counts.map((c) => f(c / 10));
    const expected = Array.from({ length: 50 }, (_, i) => f(f(f(g[0]![i]! * w[0]!) + f(g[1]![i]! * w[1]!)) + f(g[2]![i]! * w[2]!)));
    for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
      const avg = new GradientAverager(50, 3);
      for (const r of order) avg.add(r, g[r]!, counts[r]!);
      expect(Array.from(avg.finish().grads)).toEqual(expected);
    }
  });

  it('refuses a second contribution of the same rank, wrong sizes and an average before all ranks', () => {
    const avg = new GradientAverager(2, 2);
    expect(avg.add(0, Float32Array.of(1, 1), 1)).toBe(true);
    expect(avg.add(0, Float32Array.of(9, 9), 1)).toBe(false);
    expect(() => avg.add(1, Float32Array.of(1), 1)).toThrow(/1 values, this phase has 2/);
    expect(() => avg.add(2, Float32Array.of(1, 1), 1)).toThrow(/rank 2 is not in \[0, 2\)/);
    expect(() => avg.finish()).toThrow(/1 of 2 ranks contributed/);
    avg.add(1, Float32Array.of(3, 3), 1);
    expect(Array.from(avg.finish().grads)).toEqual([2, 2]);
    expect(() => avg.finish()).toThrow(/0 of 2 ranks contributed/);
  });

  it('leaves the previous result intact while the next round collects (it may still be on the wire)', () => {
    const avg = new GradientAverager(4, 3);
    for (const q of [0, 1, 2]) avg.add(q, Float32Array.of(q, q, q, q), 1);
    const first = avg.finish().grads;
    const before = Array.from(first);
    avg.add(1, Float32Array.of(9, 9, 9, 9), 1);
    avg.add(0, Float32Array.of(7, 7, 7, 7), 1);
    avg.add(2, Float32Array.of(5, 5, 5, 5), 1);
    expect(Array.from(first)).toEqual(before); // contributions wait in the operand regions
    expect(before).toEqual([1, 1, 1, 1]);
    const second = avg.finish().grads; // only the next average reuses the output
    expect(Array.from(second)).toEqual([7, 7, 7, 7]);
  });
});

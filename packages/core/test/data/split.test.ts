import { describe, expect, it } from 'vitest';
import { ArrayImageSet } from '../../src/data/image-set.js';
import { fixedSplit, testCountFor } from '../../src/data/split.js';

/** A set of n 1x1x1 float32 images whose single value identifies the image. */
function idSet(n: number): ArrayImageSet {
  return new ArrayImageSet(Float32Array.from({ length: n }, (_, i) => i / n), [1, 1, 1], Uint8Array.from({ length: n }, (_, i) => i % 256));
}

const ids = (s: ArrayImageSet, n: number) => Array.from(s.pixels, (v) => Math.round(v * n));

describe('fixedSplit', () => {
  it('partitions the set in shuffled order, keeps labels, and is the same every time', () => {
    const n = 1000;
    const { train, test } = fixedSplit(idSet(n), 200);
    const tr = ids(train, n);
    const te = ids(test, n);
    expect([tr.length, te.length]).toEqual([800, 200]);
    expect([...tr, ...te].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    // Shuffled, not source order: prefixes of a split must be mixed samples of a class-sorted source.
    expect(tr).not.toEqual([...tr].sort((a, b) => a - b));
    expect(te).not.toEqual([...te].sort((a, b) => a - b));
    const firstTen = te.slice(0, 10);
    expect(Math.max(...firstTen) - Math.min(...firstTen)).toBeGreaterThan(n / 4);
    expect([...test.labels!]).toEqual(te.map((i) => i % 256));
    // Spread over the whole range, not a block: a quarter of the test set in each quarter (±50%).
    for (let q = 0; q < 4; q++) {
      const inQ = te.filter((i) => i >= q * 250 && i < (q + 1) * 250).length;
      expect(inQ).toBeGreaterThan(25);
      expect(inQ).toBeLessThan(75);
    }
    expect(ids(fixedSplit(idSet(n), 200).test, n)).toEqual(te);
    // Takes no seed: nothing a caller passes can move an image between train and test.
    expect(fixedSplit.length).toBe(2);
  });

  it('sizes the test set as floor(n*fraction), at least 1 and at most n-1', () => {
    expect(testCountFor(10_000, 0.2)).toBe(2000);
    expect(testCountFor(25, 0.1)).toBe(2);
    expect(testCountFor(3, 0.1)).toBe(1);
    expect(testCountFor(2, 0.9)).toBe(1);
  });
});

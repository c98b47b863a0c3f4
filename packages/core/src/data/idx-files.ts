// MNIST's IDX format (http://yann.lecun.com/exdb/mnist/ layout): a big-endian header
// [0x00, 0x00, type, ndims] + ndims uint32 sizes, then the values. We accept unsigned bytes only:
// images 0x00000803 (N, rows, cols), labels 0x00000801 (N). Files may be gzipped; we detect that
// by the gzip magic bytes 1f 8b, not by the name.
//
// 'idx:<path>':
//  - a file: an images file (…-images-idx3-ubyte[.gz], or any IDX images file); labels come from
//    the sibling with "images…idx3" replaced by "labels…idx1" ([.gz] or not) when it exists.
//    Split: seeded 80/20 (test = floor(N/5), at least 1) by fixedSplit (split.ts).
//  - a directory: it must hold a training images file (name ending in train-images-idx3-ubyte
//    [.gz], also with '.' before idx3) and/or a test one (t10k-images… or test-images…). With
//    both, train → train split and test → test split; with only one, that file is split 80/20.
//    Labels as for a file, per split.
import path from 'node:path';
import { datasetFromSplits, type Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { gunzipIfCompressed, isDirectory, isFile, listDirectory, readBytes } from './file-bytes.js';
import { ArrayImageSet } from './image-set.js';
import { fixedSplit, testCountFor } from './split.js';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
/** Fraction of a single IDX file that becomes the test split. */
export const IDX_TEST_FRACTION = 0.2;

const IMAGES_NAME = /images([-.])idx3-ubyte(\.gz)?$/;
const TRAIN_IMAGES = /(^|[-_.])train-images[-.]idx3-ubyte(\.gz)?$/;
const TEST_IMAGES = /(^|[-_.])(t10k|test)-images[-.]idx3-ubyte(\.gz)?$/;

interface IdxContent {
  dims: number[];
  values: Uint8Array;
}

/** Reads and validates one IDX file; `magic` fixes the value type and number of dimensions. */
async function readIdx(file: string, magic: number, what: string): Promise<IdxContent> {
  const raw = await readBytes(file);
  const bytes = await gunzipIfCompressed(raw, file);
  const gz = bytes !== raw ? ' (after gunzip)' : '';
  const ndims = magic & 0xff;
  const expectMagic = `0x${magic.toString(16).padStart(8, '0')} (unsigned bytes, ${ndims} dimension${ndims > 1 ? 's' : ''})`;
  if (bytes.length < 4) {
    throw new DatasetError(`${file} is too short to be an IDX ${what} file: ${bytes.length} bytes${gz}.`);
  }
  const found = bytes.readUInt32BE(0);
  if (found !== magic) {
    throw new DatasetError(
      `${file} is not an IDX ${what} file: magic number 0x${found.toString(16).padStart(8, '0')}, expected ${expectMagic}.`,
    );
  }
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DatasetError(
      `${file} is truncated: expected at least ${headerLength} header bytes, found ${bytes.length}${gz}.`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(bytes.readUInt32BE(4 + 4 * d));
  if (dims.some((n) => n === 0)) {
    throw new DatasetError(`${file} declares an empty ${what} array (dimensions ${dims.join('x')}).`);
  }
  const expected = headerLength + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new DatasetError(
      `${file} is truncated: dimensions ${dims.join('x')} need ${expected} bytes, found ${bytes.length}${gz}.`,
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(
      `${file} has ${bytes.length - expected} bytes of trailing data: dimensions ${dims.join('x')} need ${expected} bytes, found ${bytes.length}${gz}.`,
    );
  }
  // Copy out of the (possibly pooled or gunzip-sized) buffer so the dataset owns compact storage.
  return { dims, values: new Uint8Array(bytes.subarray(headerLength)) };
}

/** The labels file next to an images file, if one exists. */
async function siblingLabelsFile(imagesFile: string): Promise<string | undefined> {
  const name = path.basename(imagesFile);
  if (!IMAGES_NAME.test(name)) return undefined;
  const stem = name.replace(IMAGES_NAME, 'labels$1idx1-ubyte');
  for (const candidate of [stem, `${stem}.gz`]) {
    const full = path.join(path.dirname(imagesFile), candidate);
    if (await isFile(full)) return full;
  }
  return undefined;
}

/** One IDX images file and its sibling labels, if any, as an image set. */
async function readIdxImageSet(imagesFile: string): Promise<ArrayImageSet> {
  const images = await readIdx(imagesFile, IMAGES_MAGIC, 'images');
  const [n, h, w] = images.dims;
  const labelsFile = await siblingLabelsFile(imagesFile);
  if (labelsFile === undefined) return new ArrayImageSet(images.values, [h, w, 1]);
  const labels = await readIdx(labelsFile, LABELS_MAGIC, 'labels');
  if (labels.dims[0] !== n) {
    throw new DatasetError(
      `${labelsFile} holds ${labels.dims[0]} labels but ${imagesFile} holds ${n} images; the counts must match.`,
    );
  }
  return new ArrayImageSet(images.values, [h, w, 1], labels.values);
}

/** The unique file of `names` matching `pattern` (plain preferred over .gz), if any. */
function pickFile(dir: string, names: string[], pattern: RegExp, what: string): string | undefined {
  const matches = names.filter((n) => pattern.test(n));
  const distinct = [...new Set(matches.map((n) => n.replace(/\.gz$/, '')))];
  if (distinct.length > 1) {
    throw new DatasetError(
      `${dir} holds several ${what} image files (${matches.sort().join(', ')}); point idx: at one of them.`,
    );
  }
  if (distinct.length === 0) return undefined;
  const name = matches.includes(distinct[0]) ? distinct[0] : `${distinct[0]}.gz`;
  return path.join(dir, name);
}

/** Loads 'idx:<target>' (a file or a directory, see the header of this file). */
export async function loadIdxDataset(target: string, name: string): Promise<Dataset> {
  let single = target;
  if (await isDirectory(target)) {
    const names = await listDirectory(target);
    const trainFile = pickFile(target, names, TRAIN_IMAGES, 'training');
    const testFile = pickFile(target, names, TEST_IMAGES, 'test');
    if (trainFile !== undefined && testFile !== undefined) {
      const train = await readIdxImageSet(trainFile);
      const test = await readIdxImageSet(testFile);
      if (train.imageShape.join() !== test.imageShape.join()) {
        throw new DatasetError(
          `${testFile} holds ${test.imageShape[0]}x${test.imageShape[1]} images but ${trainFile} holds ${train.imageShape[0]}x${train.imageShape[1]}; both splits must have the same size.`,
        );
      }
      return datasetFromSplits(name, train, test);
    }
    const only = trainFile ?? testFile;
    if (only === undefined) {
      throw new DatasetError(
        `${target} holds no IDX images file; expected train-images-idx3-ubyte and/or t10k-images-idx3-ubyte (optionally .gz).`,
      );
    }
    single = only;
  }
  const all = await readIdxImageSet(single);
  if (all.count < 2) {
    throw new DatasetError(`${single} holds ${all.count} image; at least 2 are needed to split it into train and test.`);
  }
  const { train, test } = fixedSplit(all, testCountFor(all.count, IDX_TEST_FRACTION));
  return datasetFromSplits(name, train, test);
}

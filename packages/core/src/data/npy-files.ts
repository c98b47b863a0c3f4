// NumPy .npy files (format versions 1.0, 2.0 and 3.0): magic "\x93NUMPY", version bytes, a
// little-endian header length (2 bytes in v1, 4 in v2/v3), a Python dict literal
// {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the raw array.
//
// 'npy:<file.npy>':
//  - images: dtype uint8 ('|u1', scaled by 1/255, stored as uint8) or little-endian float32
//    ('<f4', values must already lie in [0,1]; stored as float32); C order only; shape
//    (N, H, W) (one channel) or (N, H, W, C) with C in 1..4.
//  - labels (optional): the sibling file <file>.labels.npy (x.npy → x.labels.npy), 1-D of N
//    integers in 0..255, any little-endian integer dtype (u1/i1/u2/i2/u4/i4/u8/i8).
//  - split: seeded 80/20 (test = floor(N/5), at least 1) by fixedSplit (split.ts).
import { endianness } from 'node:os';
import type { Dataset } from './dataset.js';
import { datasetFromSplits } from './dataset.js';
import { DatasetError } from './errors.js';
import { isFile, readBytes } from './file-bytes.js';
import { ArrayImageSet } from './image-set.js';
import { fixedSplit, testCountFor } from './split.js';

/** Fraction of an .npy file that becomes the test split. */
export const NPY_TEST_FRACTION = 0.2;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface NpyArray {
  descr: string;
  shape: number[];
  /** The array's bytes (exactly prod(shape) * itemsize of them). */
  data: Buffer;
}

const ITEM_SIZE: Record<string, number> = {
  '|u1': 1, '<u1': 1, '|i1': 1, '<i1': 1,
  '<u2': 2, '<i2': 2, '<u4': 4, '<i4': 4, '<u8': 8, '<i8': 8,
  '<f4': 4,
};

/** Parses and validates the header of an .npy file; the data's dtype is checked by the caller. */
function parseNpy(bytes: Buffer, file: string, allowed: readonly string[], allowedText: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetError(`${file} is not a NumPy .npy file (it does not start with \\x93NUMPY).`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new DatasetError(`${file} is .npy format version ${major}.${bytes[7]}; versions 1.0, 2.0 and 3.0 are supported.`);
  }
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw new DatasetError(`${file} is truncated inside its .npy header.`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  if (bytes.length < start + headerLength) {
    throw new DatasetError(
      `${file} is truncated: its .npy header needs ${start + headerLength} bytes, found ${bytes.length}.`,
    );
  }
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DatasetError(
      `${file} has an .npy header without a simple 'descr', 'fortran_order' and 'shape' (structured dtypes are not supported): ${header.trim()}.`,
    );
  }
  if (!allowed.includes(descr)) {
    throw new DatasetError(`${file} has dtype '${descr}'; allowed: ${allowedText}.`);
  }
  if (fortran === 'True') {
    throw new DatasetError(`${file} is stored in Fortran order; save it in C order (numpy.ascontiguousarray) instead.`);
  }
  const shape = shapeText
    .split(',')
    .map((t) => t.trim().replace(/L$/, ''))
    .filter((t) => t !== '')
    .map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new DatasetError(`${file} has an unreadable shape (${shapeText}) in its .npy header.`);
  }
  const expected = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[descr];
  const found = bytes.length - start - headerLength;
  if (found !== expected) {
    throw new DatasetError(
      `${file} ${found < expected ? 'is truncated' : 'has trailing data'}: shape (${shape.join(', ')}) of '${descr}' needs ${expected} data bytes, found ${found}.`,
    );
  }
  return { descr, shape, data: bytes.subarray(start + headerLength) };
}

/** Float32 values of little-endian bytes, copied into aligned storage. */
function float32sOf(data: Buffer): Float32Array {
  const copy = new Uint8Array(data); // aligned, owned copy
  if (endianness() === 'BE') {
    for (let i = 0; i < copy.length; i += 4) {
      [copy[i], copy[i + 1], copy[i + 2], copy[i + 3]] = [copy[i + 3], copy[i + 2], copy[i + 1], copy[i]];
    }
  }
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

async function readNpyImages(file: string): Promise<ArrayImageSet> {
  const arr = parseNpy(await readBytes(file), file, ['|u1', '<u1', '<f4'], "uint8 ('|u1') or little-endian float32 ('<f4')");
  const { shape } = arr;
  const [n, h, w] = shape;
  const c = shape.length === 4 ? shape[3] : 1;
  if ((shape.length !== 3 && shape.length !== 4) || n < 1 || h < 1 || w < 1 || c < 1 || c > 4) {
    throw new DatasetError(
      `${file} has shape (${shape.join(', ')}); expected (N, H, W) or (N, H, W, C) with N, H, W >= 1 and C in 1..4.`,
    );
  }
  if (arr.descr === '<f4') {
    const values = float32sOf(arr.data);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v >= 0 && v <= 1)) {
        throw new DatasetError(
          `${file} holds the float32 value ${v} at flat index ${i}; float32 images must lie in [0,1] (save uint8 0..255 or divide by 255 first).`,
        );
      }
    }
    return new ArrayImageSet(values, [h, w, c]);
  }
  return new ArrayImageSet(new Uint8Array(arr.data), [h, w, c]);
}

async function readNpyLabels(file: string, count: number, imagesFile: string): Promise<Uint8Array> {
  const ints = ['|u1', '<u1', '|i1', '<i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8'];
  const arr = parseNpy(await readBytes(file), file, ints, `a little-endian integer type (${ints.join(', ')})`);
  if (arr.shape.length !== 1 || arr.shape[0] !== count) {
    throw new DatasetError(
      `${file} has shape (${arr.shape.join(', ')}); labels for ${imagesFile} must have shape (${count},).`,
    );
  }
  const size = ITEM_SIZE[arr.descr];
  const signed = arr.descr[1] === 'i';
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    const v =
      size === 8
        ? Number(signed ? arr.data.readBigInt64LE(at) : arr.data.readBigUInt64LE(at))
        : signed
          ? arr.data.readIntLE(at, size)
          : arr.data.readUIntLE(at, size);
    if (v < 0 || v > 255) {
      throw new DatasetError(`${file} holds the label ${v} at index ${i}; labels must lie in 0..255.`);
    }
    labels[i] = v;
  }
  return labels;
}

/** Labels file for an images file: x.npy → x.labels.npy. */
export function npyLabelsPath(imagesFile: string): string {
  return imagesFile.replace(/(\.npy)?$/i, '.labels.npy');
}

/** Loads 'npy:<file>' (see the header of this file). */
export async function loadNpyDataset(file: string, name: string): Promise<Dataset> {
  let all = await readNpyImages(file);
  const labelsFile = npyLabelsPath(file);
  if (await isFile(labelsFile)) {
    all = new ArrayImageSet(all.pixels, all.imageShape, await readNpyLabels(labelsFile, all.count, file));
  }
  if (all.count < 2) {
    throw new DatasetError(`${file} holds ${all.count} image; at least 2 are needed to split it into train and test.`);
  }
  const { train, test } = fixedSplit(all, testCountFor(all.count, NPY_TEST_FRACTION));
  return datasetFromSplits(name, train, test);
}

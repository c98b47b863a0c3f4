// 'images:<dir>': every *.png file directly inside <dir> (case-insensitive extension; other files
// and subfolders are ignored), in sorted file-name order (plain code-unit order, the same on every
// machine and locale). Each PNG must be 8-bit grayscale (1 channel), grayscale+alpha (2), RGB (3)
// or RGBA (4), or a palette image (expanded to RGB, or RGBA when it has transparency); channels
// are kept as decoded (alpha is not dropped). All images must share width, height and channels.
// Stored as uint8. No labels. Split: seeded 90/10 (test = floor(N/10), at least 1) by fixedSplit
// (split.ts).
import path from 'node:path';
import { convertIndexedToRgb, decode } from 'fast-png';
import type { Dataset } from './dataset.js';
import { datasetFromSplits } from './dataset.js';
import { DatasetError } from './errors.js';
import { isDirectory, listDirectory, readBytes } from './file-bytes.js';
import { ArrayImageSet } from './image-set.js';
import { fixedSplit, testCountFor } from './split.js';

/** Fraction of a PNG folder that becomes the test split. */
export const PNG_TEST_FRACTION = 0.1;

interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

function decodePng(bytes: Buffer, file: string): DecodedImage {
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new DatasetError(`${file} is not a readable PNG: ${(err as Error).message}.`);
  }
  const { width, height } = png;
  if (png.palette !== undefined) {
    const data = convertIndexedToRgb(png);
    return { width, height, channels: data.length / (width * height), data };
  }
  if (png.depth !== 8 || !(png.data instanceof Uint8Array)) {
    throw new DatasetError(`${file} has ${png.depth}-bit samples; only 8-bit PNGs (or palette PNGs) are supported.`);
  }
  return { width, height, channels: png.channels, data: png.data };
}

function describe(img: DecodedImage): string {
  return `${img.width}x${img.height} with ${img.channels} channel${img.channels > 1 ? 's' : ''}`;
}

/** Loads 'images:<dir>' (see the header of this file). */
export async function loadPngFolderDataset(dir: string, name: string): Promise<Dataset> {
  if (!(await isDirectory(dir))) {
    throw new DatasetError(`${dir} is a file; images: expects a folder of .png files.`);
  }
  // Default sort compares UTF-16 code units: locale-independent, so every machine agrees.
  const files = (await listDirectory(dir)).filter((f) => /\.png$/i.test(f)).sort();
  if (files.length < 2) {
    throw new DatasetError(
      `${dir} holds ${files.length} .png file${files.length === 1 ? '' : 's'}; at least 2 are needed to split into train and test.`,
    );
  }
  let first: DecodedImage | undefined;
  let pixels = new Uint8Array(0);
  for (let i = 0; i < files.length; i++) {
    const file = path.join(dir, files[i]);
    const img = decodePng(await readBytes(file), file);
    if (first === undefined) {
      first = img;
      pixels = new Uint8Array(files.length * img.data.length);
    } else if (img.width !== first.width || img.height !== first.height || img.channels !== first.channels) {
      throw new DatasetError(
        `${file} is ${describe(img)} but ${path.join(dir, files[0])} is ${describe(first)}; all images must have the same size and channels.`,
      );
    }
    pixels.set(img.data, i * img.data.length);
  }
  const all = new ArrayImageSet(pixels, [first!.height, first!.width, first!.channels]);
  const { train, test } = fixedSplit(all, testCountFor(all.count, PNG_TEST_FRACTION));
  return datasetFromSplits(name, train, test);
}

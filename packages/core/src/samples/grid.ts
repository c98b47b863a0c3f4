// Tiling a batch of images into one picture and encoding it as PNG (with fast-png; PNG is not
// something to hand-roll). Grayscale for 1 channel, RGB for 3.
import * as tf from '@tensorflow/tfjs';
import { encode } from 'fast-png';

import { SampleGridError } from './errors.js';

/** Images as NHWC float values in [0, 1]: a tensor, or a flat array with its shape. */
export type GridImages = tf.Tensor4D | { data: Float32Array; shape: [number, number, number, number] };

export interface GridOptions {
  /** Images per row (default: ceil(sqrt(n))). */
  cols?: number;
  /** Pixels of background between and around images (default 2). */
  padding?: number;
  /** Background level in [0, 1] (default 1, white, so dark-on-light digits stay readable). */
  background?: number;
}

/** A composed grid before encoding: 8-bit pixels, row-major, `channels` per pixel. */
export interface GridPixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v > 0;

/** Reads images into a flat array + shape (tensor data is copied out; the caller keeps ownership). */
function flatImages(images: GridImages): { data: Float32Array; shape: [number, number, number, number] } {
  if (images instanceof tf.Tensor) {
    if (images.rank !== 4) throw new SampleGridError(`Grid images must be a rank-4 [n, h, w, c] tensor; got rank ${images.rank}.`);
    return { data: images.dataSync() as Float32Array, shape: images.shape as [number, number, number, number] };
  }
  const { data, shape } = images ?? {};
  if (!(data instanceof Float32Array) || !Array.isArray(shape) || shape.length !== 4) {
    throw new SampleGridError('Grid images must be a tf.Tensor4D or { data: Float32Array, shape: [n, h, w, c] }.');
  }
  if (data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new SampleGridError(`Grid image data has ${data.length} values but shape [${shape.join(', ')}] needs ${shape.reduce((a, b) => a * b, 1)}.`);
  }
  return { data, shape };
}

/** Lays images out in rows of `cols`, left to right, top to bottom, as 8-bit pixels. */
export function composeGrid(images: GridImages, options: GridOptions = {}): GridPixels {
  const { data, shape } = flatImages(images);
  const [n, h, w, c] = shape;
  if (!positiveInt(n) || !positiveInt(h) || !positiveInt(w)) throw new SampleGridError(`Grid needs at least one image of positive size; got shape [${shape.join(', ')}].`);
  if (c !== 1 && c !== 3) throw new SampleGridError(`Grid images must have 1 (grayscale) or 3 (RGB) channels; got ${c}.`);
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const padding = options.padding ?? 2;
  const background = options.background ?? 1;
  if (!positiveInt(cols)) throw new SampleGridError(`Grid cols must be a positive integer; got ${String(cols)}.`);
  if (!Number.isSafeInteger(padding) || padding < 0) throw new SampleGridError(`Grid padding must be a non-negative integer; got ${String(padding)}.`);
  if (!(background >= 0 && background <= 1)) throw new SampleGridError(`Grid background must be in [0, 1]; got ${String(background)}.`);
  const rows = Math.ceil(n / cols);
  const width = cols * w + (cols + 1) * padding;
  const height = rows * h + (rows + 1) * padding;
  const pixels = new Uint8Array(width * height * c).fill(toByte(background));
  for (let i = 0; i < n; i++) {
    const left = padding + (i % cols) * (w + padding);
    const top = padding + Math.floor(i / cols) * (h + padding);
    for (let y = 0; y < h; y++) {
      const src = ((i * h + y) * w) * c;
      const dst = ((top + y) * width + left) * c;
      for (let k = 0; k < w * c; k++) pixels[dst + k] = toByte(data[src + k] as number);
    }
  }
  return { width, height, channels: c, data: pixels };
}

/** [0, 1] -> 0..255, clamped (NaN shows as black so it is visible, not silently white). */
function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(v * 255);
}

/**
 * PNG bytes of the grid of `images` (NHWC in [0, 1]; grayscale for c = 1, RGB for c = 3).
 * Layout as `renderGrid(images, { cols, padding, background })` or `renderGrid(images, cols, padding)`.
 */
export function renderGrid(images: GridImages, options: GridOptions | number = {}, padding?: number): Uint8Array {
  const layout: GridOptions = typeof options === 'number' ? { cols: options, ...(padding === undefined ? {} : { padding }) } : options;
  const grid = composeGrid(images, layout);
  return encode({ width: grid.width, height: grid.height, data: grid.data, channels: grid.channels, depth: 8 });
}

// Tiling a batch of images into one picture and encoding it as PNG (with fast-png; PNG is not
// something to hand-roll). Grayscale for 1 channel, RGB for 3.
import * as tf from '#tfjs';
import { encode } from 'fast-png';

import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
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
  /** Each image pixel drawn as a scale×scale block (nearest neighbour; default 1). Padding is not scaled: gaps stay thin. */
  scale?: number;
  /** Scale up (nearest neighbour, whole factors) until the grid is at least this wide (default 0: as `scale` says). */
  minWidth?: number;
  /** Text drawn in a band above a row: `{ row: 1, text: 'reconstructions' }` (5×7 bitmap font: see bitmap-font.ts). */
  labels?: { row: number; text: string }[];
}

/** Grid width people read without zooming: the run's grids are scaled up to at least this. */
export const READABLE_GRID_WIDTH = 512;

/** A composed grid before encoding: 8-bit pixels, row-major, `channels` per pixel. */
export interface GridPixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
  /** The scale the images were drawn at. */
  scale: number;
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
  const scale = gridScale(options, cols, w, padding);
  const labels = checkedLabels(options.labels ?? [], rows);
  const [cellW, cellH] = [w * scale, h * scale];
  // Labels: 2× font on cells of 24 px or more, a band of the text's height plus a margin.
  const textScale = cellH >= 24 ? 2 : 1;
  const band = labels.length === 0 ? 0 : GLYPH_HEIGHT * textScale + 2 * LABEL_MARGIN;
  const bandsUpTo = (row: number) => labels.filter((l) => l.row <= row).length;
  const width = Math.max(cols * cellW + (cols + 1) * padding, ...labels.map((l) => textWidth(l.text, textScale) + 2 * (padding + LABEL_MARGIN)));
  const height = rows * cellH + (rows + 1) * padding + labels.length * band;
  const pixels = new Uint8Array(width * height * c).fill(toByte(background));
  const rowTop = (row: number) => padding + row * (cellH + padding) + bandsUpTo(row) * band;
  for (const l of labels) drawText(pixels, width, c, padding + LABEL_MARGIN, rowTop(l.row) - band + LABEL_MARGIN, l.text, textScale, background >= 0.5 ? 40 : 230);
  for (let i = 0; i < n; i++) {
    const left = padding + (i % cols) * (cellW + padding);
    const top = rowTop(Math.floor(i / cols));
    for (let y = 0; y < cellH; y++) {
      const src = ((i * h + Math.floor(y / scale)) * w) * c;
      const dst = ((top + y) * width + left) * c;
      for (let x = 0; x < cellW; x++) {
        const from = src + Math.floor(x / scale) * c;
        for (let k = 0; k < c; k++) pixels[dst + x * c + k] = toByte(data[from + k] as number);
      }
    }
  }
  return { width, height, channels: c, data: pixels, scale };
}

const LABEL_MARGIN = 3;
const MAX_SCALE = 64;

/** The scale of a grid: options.scale, raised to reach options.minWidth. */
function gridScale(options: GridOptions, cols: number, w: number, padding: number): number {
  const scale = options.scale ?? 1;
  const minWidth = options.minWidth ?? 0;
  if (!Number.isSafeInteger(scale) || scale < 1 || scale > MAX_SCALE) throw new SampleGridError(`Grid scale must be an integer from 1 to ${MAX_SCALE}; got ${String(scale)}.`);
  if (!Number.isSafeInteger(minWidth) || minWidth < 0) throw new SampleGridError(`Grid minWidth must be a non-negative integer; got ${String(minWidth)}.`);
  const needed = Math.ceil((minWidth - (cols + 1) * padding) / (cols * w));
  return Math.min(MAX_SCALE, Math.max(scale, needed));
}

function checkedLabels(labels: { row: number; text: string }[], rows: number): { row: number; text: string }[] {
  if (!Array.isArray(labels)) throw new SampleGridError('Grid labels must be a list of { row, text }.');
  const seen = new Set<number>();
  for (const l of labels) {
    if (!Number.isSafeInteger(l?.row) || l.row < 0 || l.row >= rows || seen.has(l.row)) {
      throw new SampleGridError(`Grid label rows must be distinct integers from 0 to ${rows - 1}; got ${JSON.stringify(l?.row)}.`);
    }
    if (typeof l.text !== 'string') throw new SampleGridError(`Grid label text must be a string; got ${JSON.stringify(l.text)}.`);
    seen.add(l.row);
  }
  return labels;
}

/** [0, 1] -> 0..255, clamped (NaN shows as black so it is visible, not silently white). */
function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(v * 255);
}

/**
 * PNG bytes of the grid of `images` (NHWC in [0, 1]; grayscale for c = 1, RGB for c = 3).
 * Layout as `renderGrid(images, { cols, padding, background, scale, minWidth, labels })` or
 * `renderGrid(images, cols, padding)`.
 */
export function renderGrid(images: GridImages, options: GridOptions | number = {}, padding?: number): Uint8Array {
  const layout: GridOptions = typeof options === 'number' ? { cols: options, ...(padding === undefined ? {} : { padding }) } : options;
  const grid = composeGrid(images, layout);
  return encode({ width: grid.width, height: grid.height, data: grid.data, channels: grid.channels, depth: 8 });
}

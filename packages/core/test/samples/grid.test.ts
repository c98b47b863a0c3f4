import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { SampleGridError, renderGrid, writeSampleGrid } from '../../src/samples/index.js';

/** n images of h x w x c whose value at (i, y, x, ch) is a distinct level in [0, 1]. */
function patterned(n: number, h: number, w: number, c: number): Float32Array {
  const data = new Float32Array(n * h * w * c);
  for (let k = 0; k < data.length; k++) data[k] = (k % 251) / 250;
  return data;
}

describe('renderGrid', () => {
  it('tiles grayscale images row by row with padding and background, as an 8-bit PNG', () => {
    const [n, h, w] = [5, 3, 4];
    const data = patterned(n, h, w, 1);
    const png = decode(renderGrid({ data, shape: [n, h, w, 1] }, { cols: 3, padding: 1, background: 1 }));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([3 * w + 4, 2 * h + 3, 1, 8]);
    const at = (x: number, y: number): number => png.data[y * png.width + x] as number;
    for (let i = 0; i < n; i++) {
      const [left, top] = [1 + (i % 3) * (w + 1), 1 + Math.floor(i / 3) * (h + 1)];
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(at(left + x, top + y)).toBe(Math.round((data[(i * h + y) * w + x] as number) * 255));
    }
    expect(at(0, 0)).toBe(255); // padding
    expect(at(1 + 2 * (w + 1) + 1, 1 + h + 1 + 1)).toBe(255); // the empty 6th slot is background
  });

  it('writes RGB for 3 channels, takes tensors without leaking, and clamps out-of-range values', () => {
    const before = tf.memory().numTensors;
    const images = tf.tensor4d([0, 0.5, 1, -3, 7, Number.NaN], [1, 1, 2, 3]);
    const png = decode(renderGrid(images, 1, 0));
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([png.width, png.height, png.channels]).toEqual([2, 1, 3]);
    expect(Array.from(png.data)).toEqual([0, 128, 255, 0, 255, 0]);
  });

  it('defaults to a square-ish layout and gives positional and object options the same result', () => {
    const data = patterned(10, 2, 2, 1);
    const png = decode(renderGrid({ data, shape: [10, 2, 2, 1] }));
    expect([png.width, png.height]).toEqual([4 * 2 + 5 * 2, 3 * 2 + 4 * 2]); // 4 cols, 3 rows, padding 2
    expect(renderGrid({ data, shape: [10, 2, 2, 1] }, 5, 0)).toEqual(renderGrid({ data, shape: [10, 2, 2, 1] }, { cols: 5, padding: 0 }));
  });

  it('refuses bad input with one clear sentence', () => {
    const data = new Float32Array(8);
    expect(() => renderGrid({ data, shape: [2, 2, 1, 2] })).toThrow(new SampleGridError('Grid images must have 1 (grayscale) or 3 (RGB) channels; got 2.'));
    expect(() => renderGrid({ data, shape: [3, 2, 2, 1] })).toThrow('Grid image data has 8 values but shape [3, 2, 2, 1] needs 12.');
    expect(() => renderGrid({ data, shape: [2, 2, 2, 1] }, { cols: 0 })).toThrow('Grid cols must be a positive integer; got 0.');
    expect(() => renderGrid({ data, shape: [2, 2, 2, 1] }, { padding: -1 })).toThrow('Grid padding must be a non-negative integer; got -1.');
    const flat = tf.zeros([2, 4]);
    expect(() => renderGrid(flat as unknown as tf.Tensor4D)).toThrow('Grid images must be a rank-4 [n, h, w, c] tensor; got rank 2.');
    flat.dispose();
  });
});

describe('writeSampleGrid', () => {
  it('creates the parent dir and replaces the file atomically, leaving no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dgm-grid-'));
    try {
      const path = join(dir, 'samples', 'step-000010.png');
      const data = patterned(4, 3, 3, 3);
      const written = await writeSampleGrid(path, { data, shape: [4, 3, 3, 3] }, { cols: 2 });
      expect(new Uint8Array(await readFile(path))).toEqual(written);
      expect(decode(written).channels).toBe(3);
      await writeSampleGrid(path, { data: data.map((v) => 1 - v), shape: [4, 3, 3, 3] }, { cols: 4 });
      expect(decode(await readFile(path)).width).toBe(4 * 3 + 5 * 2);
      expect(await readdir(join(dir, 'samples'))).toEqual(['step-000010.png']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

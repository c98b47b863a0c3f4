// Grids people can read: whole-factor nearest-neighbour scaling (gaps stay thin), a minimum
// width, and labelled row blocks drawn with the 5×7 bitmap font.
import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createModel, type VaeModel } from '../../src/index.js';
import { composeGrid, renderGrid, vaeSampleGrid } from '../../src/samples/index.js';
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from '../../src/samples/bitmap-font.js';

/** n images h×w×1 whose pixel (y, x) of image i is (i * 16 + y * w + x) / 255. */
function ramp(n: number, h: number, w: number) {
  const data = new Float32Array(n * h * w).map((_, k) => (Math.floor(k / (h * w)) * 16 + (k % (h * w))) / 255);
  return { data, shape: [n, h, w, 1] as [number, number, number, number] };
}

describe('scaled grids', () => {
  it('draws every image pixel as a scale×scale block and keeps the padding unscaled', () => {
    const g = composeGrid(ramp(4, 2, 3), { cols: 2, padding: 1, scale: 3 });
    expect([g.width, g.height, g.scale]).toEqual([2 * 9 + 3, 2 * 6 + 3, 3]);
    for (let i = 0; i < 4; i++) {
      const [left, top] = [1 + (i % 2) * 10, 1 + Math.floor(i / 2) * 7];
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 9; x++) {
          expect(g.data[(top + y) * g.width + left + x]).toBe(i * 16 + Math.floor(y / 3) * 3 + Math.floor(x / 3));
        }
      }
    }
    // The gap between image 0 and image 1 is one background column.
    for (let y = 1; y < 7; y++) expect(g.data[y * g.width + 10]).toBe(255);
  });

  it('picks the smallest whole scale that reaches minWidth', () => {
    // 8 columns of 28 px with padding 2: 242 px at scale 1, 466 at 2, 690 at 3.
    const g = composeGrid({ data: new Float32Array(8 * 28 * 28), shape: [8, 28, 28, 1] }, { cols: 8, minWidth: 512 });
    expect([g.scale, g.width]).toEqual([3, 690]);
    expect(composeGrid(ramp(1, 2, 2), { minWidth: 0 }).scale).toBe(1);
    expect(composeGrid(ramp(1, 2, 2), { scale: 5, minWidth: 3 }).scale).toBe(5);
  });

  it('refuses a scale that is not a whole number from 1 to 64', () => {
    for (const scale of [0, 1.5, 65]) expect(() => renderGrid(ramp(1, 2, 2), { scale })).toThrow(`Grid scale must be an integer from 1 to 64; got ${scale}.`);
  });
});

describe('labelled rows', () => {
  it('draws the label in a band above its row, glyph by glyph, and moves the rows below down', () => {
    const [h, w, padding] = [12, 12, 2];
    const g = composeGrid({ data: new Float32Array(2 * h * w).fill(1), shape: [2, h, w, 1] }, { cols: 1, padding, background: 1, labels: [{ row: 1, text: 'ab' }] });
    const band = GLYPH_HEIGHT + 6; // 1× font on cells under 24 px, 3 px margin above and below
    expect(g.height).toBe(2 * h + 3 * padding + band);
    const bandTop = padding + h + padding;
    const ink = (x: number, y: number) => g.data[(bandTop + 3 + y) * g.width + padding + 3 + x] === 40;
    for (const [k, ch] of ['a', 'b'].entries()) {
      const rows = glyph(ch);
      for (let y = 0; y < GLYPH_HEIGHT; y++) for (let x = 0; x < GLYPH_WIDTH; x++) expect(ink(k * (GLYPH_WIDTH + 1) + x, y), `${ch} (${x}, ${y})`).toBe(rows[y][x]);
    }
    // The second image starts under the band (white image on white: check the band is not image).
    expect(g.data[(bandTop + band) * g.width + padding]).toBe(255);
  });

  it('widens a grid whose label is wider than its images', () => {
    const g = composeGrid(ramp(1, 2, 2), { padding: 1, labels: [{ row: 0, text: 'reconstructions' }] });
    expect(g.width).toBe(15 * 6 - 1 + 2 * (1 + 3));
  });

  it('refuses labels on rows that do not exist and characters the font lacks', () => {
    expect(() => renderGrid(ramp(2, 2, 2), { cols: 1, labels: [{ row: 2, text: 'x' }] })).toThrow('Grid label rows must be distinct integers from 0 to 1; got 2.');
    expect(() => renderGrid(ramp(2, 2, 2), { cols: 1, labels: [{ row: 0, text: 'é' }] })).toThrow('Grid labels may use a-z, 0-9, space and - . , : = / ( ); got "é".');
  });
});

describe('vaeSampleGrid labelled', () => {
  let vae: VaeModel;
  beforeAll(() => {
    vae = createModel('vae', { latentDim: 2, hidden: [8], imageShape: [28, 28, 1], seed: 1 }) as VaeModel;
  });
  afterAll(() => vae.dispose());

  it('names the three blocks and reaches the readable width', () => {
    const images = tf.zeros([8, 28, 28, 1]) as tf.Tensor4D;
    const labelled = decode(vaeSampleGrid(vae, images, 0, { labelled: true, minWidth: 512 }));
    const plain = decode(vaeSampleGrid(vae, images, 0, { minWidth: 512 }));
    images.dispose();
    const band = GLYPH_HEIGHT * 2 + 6; // 2× font on 84 px cells
    expect(labelled.width).toBe(690);
    expect(labelled.height).toBe(plain.height + 3 * band);
    // Ink in each band: originals above row 0, reconstructions above row 1, samples above row 2.
    const inkRows = new Set<number>();
    for (let y = 0; y < labelled.height; y++) for (let x = 0; x < 200; x++) if (labelled.data[y * labelled.width + x] === 40) inkRows.add(y);
    const bandTops = [2, 2 + band + 84 + 2, 2 + 2 * (band + 84 + 2)];
    for (const top of bandTops) expect([...inkRows].some((y) => y >= top && y < top + band)).toBe(true);
  });
});

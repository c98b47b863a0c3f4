// A 5×7 bitmap font (with descenders) for the labels of sample grids ("originals", "reconstructions", "samples").
// Why not a library: text in a PNG needs a rasteriser and a font file (pureimage + a TTF,
// node-canvas or skia: native or megabytes), and core must stay tfjs + zod + fast-png, isomorphic.
// Labels are a few lowercase words, so a fixed 5×7 pixel font (the classic LCD character shapes)
// is enough and draws the same bytes everywhere.
import { SampleGridError } from './errors.js';

export const GLYPH_WIDTH = 5;
/** 7 rows above the baseline and 2 for the descenders of g, j, p, q, y and ','. */
export const GLYPH_HEIGHT = 9;

// Each glyph: 7 rows of 5 columns, '#' for ink, and 2 more rows for the letters that descend.
const GLYPHS: Record<string, string> = {
  a: '.....|.....|.###.|....#|.####|#...#|.####',
  b: '#....|#....|#.##.|##..#|#...#|#...#|####.',
  c: '.....|.....|.###.|#....|#....|#...#|.###.',
  d: '....#|....#|.##.#|#..##|#...#|#...#|.####',
  e: '.....|.....|.###.|#...#|#####|#....|.###.',
  f: '..##.|.#..#|.#...|###..|.#...|.#...|.#...',
  g: '.....|.....|.####|#...#|#...#|#...#|.####|....#|.###.',
  h: '#....|#....|#.##.|##..#|#...#|#...#|#...#',
  i: '..#..|.....|.##..|..#..|..#..|..#..|.###.',
  j: '...#.|.....|..##.|...#.|...#.|...#.|...#.|#..#.|.##..',
  k: '#....|#....|#..#.|#.#..|##...|#.#..|#..#.',
  l: '.##..|..#..|..#..|..#..|..#..|..#..|.###.',
  m: '.....|.....|##.#.|#.#.#|#.#.#|#...#|#...#',
  n: '.....|.....|#.##.|##..#|#...#|#...#|#...#',
  o: '.....|.....|.###.|#...#|#...#|#...#|.###.',
  p: '.....|.....|####.|#...#|#...#|#...#|####.|#....|#....',
  q: '.....|.....|.####|#...#|#...#|#...#|.####|....#|....#',
  r: '.....|.....|#.##.|##..#|#....|#....|#....',
  s: '.....|.....|.###.|#....|.###.|....#|####.',
  t: '.#...|.#...|###..|.#...|.#...|.#..#|..##.',
  u: '.....|.....|#...#|#...#|#...#|#..##|.##.#',
  v: '.....|.....|#...#|#...#|#...#|.#.#.|..#..',
  w: '.....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.',
  x: '.....|.....|#...#|.#.#.|..#..|.#.#.|#...#',
  y: '.....|.....|#...#|#...#|#...#|#...#|.####|....#|.###.',
  z: '.....|.....|#####|...#.|..#..|.#...|#####',
  '0': '.###.|#...#|#..##|#.#.#|##..#|#...#|.###.',
  '1': '..#..|.##..|..#..|..#..|..#..|..#..|.###.',
  '2': '.###.|#...#|....#|...#.|..#..|.#...|#####',
  '3': '#####|...#.|..#..|...#.|....#|#...#|.###.',
  '4': '...#.|..##.|.#.#.|#..#.|#####|...#.|...#.',
  '5': '#####|#....|####.|....#|....#|#...#|.###.',
  '6': '..##.|.#...|#....|####.|#...#|#...#|.###.',
  '7': '#####|....#|...#.|..#..|.#...|.#...|.#...',
  '8': '.###.|#...#|#...#|.###.|#...#|#...#|.###.',
  '9': '.###.|#...#|#...#|.####|....#|...#.|.##..',
  ' ': '.....|.....|.....|.....|.....|.....|.....',
  '-': '.....|.....|.....|.###.|.....|.....|.....',
  '.': '.....|.....|.....|.....|.....|.##..|.##..',
  ',': '.....|.....|.....|.....|.....|.##..|.##..|..#..|.#...',
  ':': '.....|.##..|.##..|.....|.##..|.##..|.....',
  '=': '.....|.....|#####|.....|#####|.....|.....',
  '/': '.....|....#|...#.|..#..|.#...|#....|.....',
  '(': '...#.|..#..|.#...|.#...|.#...|..#..|...#.',
  ')': '.#...|..#..|...#.|...#.|...#.|..#..|.#...',
};

export const LABEL_CHARACTERS = "a-z, 0-9, space and - . , : = / ( )";

/** Rows of ink for `ch` (upper case drawn as lower case). */
export function glyph(ch: string): boolean[][] {
  const rows = GLYPHS[ch.toLowerCase()];
  if (rows === undefined) throw new SampleGridError(`Grid labels may use ${LABEL_CHARACTERS}; got ${JSON.stringify(ch)}.`);
  const lines = rows.split('|');
  while (lines.length < GLYPH_HEIGHT) lines.push('.....');
  return lines.map((row) => [...row].map((c) => c === '#'));
}

/** Width in pixels of `text` at `scale` (one blank column between glyphs). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/**
 * Draws `text` into 8-bit `pixels` (row-major, `channels` per pixel, `width` wide) with its top
 * left corner at (x, y), each font pixel a `scale`×`scale` block of `ink`. Clipped to the picture.
 */
export function drawText(pixels: Uint8Array, width: number, channels: number, x: number, y: number, text: string, scale: number, ink: number): void {
  const height = pixels.length / (width * channels);
  [...text].forEach((ch, k) => {
    const rows = glyph(ch);
    const left = x + k * (GLYPH_WIDTH + 1) * scale;
    rows.forEach((row, gy) =>
      row.forEach((on, gx) => {
        if (!on) return;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + gy * scale + dy;
          if (py < 0 || py >= height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = left + gx * scale + dx;
            if (px < 0 || px >= width) continue;
            pixels.fill(ink, (py * width + px) * channels, (py * width + px + 1) * channels);
          }
        }
      }),
    );
  });
}

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArrayImageSet } from '../../src/data/image-set.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { patternBytes, tempDir, writePalettePng, writePng } from './fixture-files.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

function folder(name: string): string {
  const dir = path.join(tmp.dir, name);
  mkdirSync(dir);
  return dir;
}

function bytesOf(set: unknown): number[][] {
  const s = set as ArrayImageSet;
  return Array.from({ length: s.count }, (_, i) => Array.from(s.rows([i]), (v) => Math.round(v * 255)));
}

describe('images: loader', () => {
  it('decodes a folder of RGB PNGs in sorted order with a seeded 90/10 split', async () => {
    const dir = folder('rgb');
    const images = Array.from({ length: 20 }, (_, i) => patternBytes(1, 4 * 3 * 3, i));
    // Written out of order, with names whose sort order is not creation order.
    for (const i of [...Array(20).keys()].reverse()) writePng(path.join(dir, `img-${String(i).padStart(2, '0')}.png`), 4, 3, 3, images[i]);
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const d = await loadDataset(`images:${dir}`);
    expect(d.imageShape).toEqual([3, 4, 3]);
    expect([d.train.count, d.test.count]).toEqual([18, 2]);
    expect(d.train.labels).toBeUndefined();
    expect(d.numClasses).toBeUndefined();
    // Together the splits are exactly the 20 files (each in seeded shuffled order).
    const index = (row: number[]) => images.findIndex((img) => img.every((v, j) => v === row[j]));
    const trainIds = bytesOf(d.train).map(index);
    const testIds = bytesOf(d.test).map(index);
    expect([...trainIds, ...testIds].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    const again = await loadDataset(`images:${dir}`);
    expect(bytesOf(again.test).map(index)).toEqual(testIds);
  });

  it('reads grayscale, RGBA and palette PNGs with their channel counts', async () => {
    const gray = folder('gray');
    for (let i = 0; i < 3; i++) writePng(path.join(gray, `${i}.png`), 2, 2, 1, Uint8Array.of(0, 64, 128, 255 - i));
    const g = await loadDataset(`images:${gray}`);
    expect(g.imageShape).toEqual([2, 2, 1]);
    expect([...bytesOf(g.train), ...bytesOf(g.test)].map((r) => r[3]).sort()).toEqual([253, 254, 255]);

    const rgba = folder('rgba');
    for (let i = 0; i < 2; i++) writePng(path.join(rgba, `${i}.png`), 1, 1, 4, Uint8Array.of(10, 20, 30, 40 + i));
    expect((await loadDataset(`images:${rgba}`)).imageShape).toEqual([1, 1, 4]);

    const pal = folder('palette');
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
    for (let i = 0; i < 2; i++) writePalettePng(path.join(pal, `${i}.png`), 3, 1, palette, Uint8Array.of(0, 1, 2));
    // The file really is an indexed-color PNG (color type 3 in the IHDR chunk).
    expect(readFileSync(path.join(pal, '0.png'))[25]).toBe(3);
    const p = await loadDataset(`images:${pal}`);
    expect(p.imageShape).toEqual([1, 3, 3]);
    expect(bytesOf(p.train)[0]).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });

  it('rejects mixed sizes or channels naming the first offending file and both sizes', async () => {
    const dir = folder('mixed');
    writePng(path.join(dir, 'a.png'), 4, 4, 1, new Uint8Array(16));
    writePng(path.join(dir, 'b.png'), 4, 4, 1, new Uint8Array(16));
    writePng(path.join(dir, 'c.png'), 5, 4, 1, new Uint8Array(20));
    writePng(path.join(dir, 'd.png'), 3, 3, 1, new Uint8Array(9));
    await expect(loadDataset(`images:${dir}`)).rejects.toThrow(
      `${path.join(dir, 'c.png')} is 5x4 with 1 channel but ${path.join(dir, 'a.png')} is 4x4 with 1 channel; all images must have the same size and channels.`,
    );
    const ch = folder('channels');
    writePng(path.join(ch, 'a.png'), 2, 2, 1, new Uint8Array(4));
    writePng(path.join(ch, 'b.png'), 2, 2, 3, new Uint8Array(12));
    await expect(loadDataset(`images:${ch}`)).rejects.toThrow(/b.png is 2x2 with 3 channels but .*a.png is 2x2 with 1 channel/);
  });

  it('rejects broken PNGs, 16-bit PNGs, empty folders and files given as folders', async () => {
    const broken = folder('broken');
    writePng(path.join(broken, 'a.png'), 2, 2, 1, new Uint8Array(4));
    writeFileSync(path.join(broken, 'b.png'), 'not a png');
    await expect(loadDataset(`images:${broken}`)).rejects.toThrow(/b.png is not a readable PNG/);
    const deep = folder('deep');
    for (const n of ['a', 'b']) {
      const { encode } = await import('fast-png');
      writeFileSync(path.join(deep, `${n}.png`), encode({ width: 1, height: 1, channels: 1, depth: 16, data: Uint16Array.of(300) }));
    }
    await expect(loadDataset(`images:${deep}`)).rejects.toThrow(/a.png has 16-bit samples; only 8-bit PNGs \(or palette PNGs\) are supported/);
    const empty = folder('empty');
    await expect(loadDataset(`images:${empty}`)).rejects.toThrow(`${empty} holds 0 .png files; at least 2 are needed to split into train and test.`);
    const file = path.join(broken, 'a.png');
    await expect(loadDataset(`images:${file}`)).rejects.toThrow(`${file} is a file; images: expects a folder of .png files.`);
    await expect(loadDataset(`images:${path.join(tmp.dir, 'missing')}`)).rejects.toThrow(/missing does not exist\./);
  });
});

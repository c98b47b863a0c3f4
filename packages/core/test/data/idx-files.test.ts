import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/errors.js';
import { ArrayImageSet } from '../../src/data/image-set.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { idxBytes, patternBytes, tempDir, writeIdx } from './fixture-files.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

/** Writes an images/labels pair named like MNIST's into `dir`. */
function writePair(dir: string, prefix: string, n: number, h: number, w: number, opts: { gzip?: boolean; labels?: boolean } = {}) {
  mkdirSync(dir, { recursive: true });
  const gz = opts.gzip ? '.gz' : '';
  const pixels = patternBytes(n, h * w, prefix.length);
  const images = writeIdx(path.join(dir, `${prefix}-images-idx3-ubyte${gz}`), idxBytes([n, h, w], pixels), opts.gzip);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  if (opts.labels !== false) writeIdx(path.join(dir, `${prefix}-labels-idx1-ubyte${gz}`), idxBytes([n], labels), opts.gzip);
  return { images, pixels, labels };
}

/** Bytes of every image of a set, concatenated, as 0..255. */
function bytesOf(set: unknown): number[] {
  const s = set as ArrayImageSet;
  return Array.from(s.rows(Array.from({ length: s.count }, (_, i) => i)), (v) => Math.round(v * 255));
}

describe('idx: loader', () => {
  it('reads a train/t10k folder (plain and gzipped) into the train and test splits with labels', async () => {
    for (const gzip of [false, true]) {
      const dir = path.join(tmp.dir, gzip ? 'pair-gz' : 'pair');
      const train = writePair(dir, 'train', 12, 5, 4, { gzip });
      const test = writePair(dir, 't10k', 3, 5, 4, { gzip });
      const d = await loadDataset(`idx:${dir}`);
      expect(d.name).toBe(`idx:${dir}`);
      expect(d.imageShape).toEqual([5, 4, 1]);
      expect([d.train.count, d.test.count]).toEqual([12, 3]);
      expect(d.train.dtype).toBe('uint8');
      expect(bytesOf(d.train)).toEqual([...train.pixels]);
      expect(bytesOf(d.test)).toEqual([...test.pixels]);
      expect([...d.train.labels!]).toEqual([...train.labels]);
      expect(d.numClasses).toBe(10);
    }
  });

  it('splits a single images file 80/20 by the fixed split, keeping labels with their images', async () => {
    const dir = path.join(tmp.dir, 'single');
    const { images, pixels, labels } = writePair(dir, 'train', 25, 3, 3);
    const a = await loadDataset(`idx:${images}`);
    expect([a.train.count, a.test.count]).toEqual([20, 5]);
    // Each image keeps its label. The first byte of image i, (i*31 + salt) mod 256, is unique
    // for i < 256, so it identifies which file image a split row came from.
    const imageOfFirstByte = new Map([...Array(25).keys()].map((i) => [pixels[i * 9], i]));
    for (const s of [a.train, a.test]) {
      const b = bytesOf(s);
      for (let r = 0; r < s.count; r++) expect(s.labels![r]).toBe(labels[imageOfFirstByte.get(b[r * 9])!]);
    }
    const same = await loadDataset(`idx:${images}`);
    expect(bytesOf(same.test)).toEqual(bytesOf(a.test));
    // A folder holding just one images file is split the same way.
    const viaDir = await loadDataset(`idx:${dir}`);
    expect(bytesOf(viaDir.test)).toEqual(bytesOf(a.test));
  });

  it("accepts the 'train-images.idx3-ubyte' spelling and finds its 'train-labels.idx1-ubyte'", async () => {
    const dir = path.join(tmp.dir, 'dotted');
    mkdirSync(dir);
    writeIdx(path.join(dir, 'train-images.idx3-ubyte'), idxBytes([10, 2, 2], patternBytes(10, 4)));
    writeIdx(path.join(dir, 'train-labels.idx1-ubyte'), idxBytes([10], new Uint8Array(10).fill(4)));
    const d = await loadDataset(`idx:${dir}`);
    expect([d.train.count, d.test.count]).toEqual([8, 2]);
    expect(d.numClasses).toBe(5);
  });

  it('works without a labels file', async () => {
    const dir = path.join(tmp.dir, 'nolabels');
    const { images } = writePair(dir, 'train', 10, 2, 2, { labels: false });
    const d = await loadDataset(`idx:${images}`);
    expect(d.train.labels).toBeUndefined();
    expect(d.numClasses).toBeUndefined();
  });

  it('names the file and the expected and actual byte counts of a truncated file', async () => {
    const file = path.join(tmp.dir, 'trunc-images-idx3-ubyte');
    const full = idxBytes([4, 3, 3], patternBytes(4, 9));
    writeFileSync(file, full.subarray(0, full.length - 5));
    await expect(loadDataset(`idx:${file}`)).rejects.toThrow(
      new DatasetError(`${file} is truncated: dimensions 4x3x3 need 52 bytes, found 47.`),
    );
    // Also inside a gzip stream, where the sizes are those after decompression.
    const gz = writeIdx(path.join(tmp.dir, 'truncgz-images-idx3-ubyte.gz'), full.subarray(0, 30), true);
    await expect(loadDataset(`idx:${gz}`)).rejects.toThrow(/is truncated: dimensions 4x3x3 need 52 bytes, found 30 \(after gunzip\)/);
    const trailing = path.join(tmp.dir, 'long-images-idx3-ubyte');
    writeFileSync(trailing, Buffer.concat([full, Buffer.from([1, 2])]));
    await expect(loadDataset(`idx:${trailing}`)).rejects.toThrow(/2 bytes of trailing data/);
  });

  it('rejects a wrong magic number, a corrupt gzip and mismatched label counts, naming the file', async () => {
    const wrong = writeIdx(path.join(tmp.dir, 'wrong-images-idx3-ubyte'), idxBytes([2, 2, 2], patternBytes(2, 4), 0x0d03));
    await expect(loadDataset(`idx:${wrong}`)).rejects.toThrow(
      `${wrong} is not an IDX images file: magic number 0x00000d03, expected 0x00000803 (unsigned bytes, 3 dimensions).`,
    );
    const corrupt = path.join(tmp.dir, 'corrupt-images-idx3-ubyte.gz');
    writeFileSync(corrupt, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]));
    await expect(loadDataset(`idx:${corrupt}`)).rejects.toThrow(/starts like a gzip file but cannot be decompressed/);
    const dir = path.join(tmp.dir, 'mismatch');
    const { images } = writePair(dir, 'train', 6, 2, 2, { labels: false });
    const labelsFile = writeIdx(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes([5], new Uint8Array(5)));
    await expect(loadDataset(`idx:${images}`)).rejects.toThrow(
      `${labelsFile} holds 5 labels but ${images} holds 6 images; the counts must match.`,
    );
    const labelsAsImages = writeIdx(path.join(dir, 'x-images-idx3-ubyte'), idxBytes([5], new Uint8Array(5)));
    await expect(loadDataset(`idx:${labelsAsImages}`)).rejects.toThrow(/magic number 0x00000801, expected 0x00000803/);
  });

  it('rejects missing paths, empty folders and folders with different image sizes', async () => {
    const missing = path.join(tmp.dir, 'nope-images-idx3-ubyte');
    await expect(loadDataset(`idx:${missing}`)).rejects.toThrow(`${missing} does not exist.`);
    const empty = path.join(tmp.dir, 'empty');
    mkdirSync(empty);
    await expect(loadDataset(`idx:${empty}`)).rejects.toThrow(/holds no IDX images file; expected train-images-idx3-ubyte/);
    const mixed = path.join(tmp.dir, 'mixed');
    writePair(mixed, 'train', 4, 3, 3);
    writePair(mixed, 't10k', 4, 4, 4);
    await expect(loadDataset(`idx:${mixed}`)).rejects.toThrow(/holds 4x4 images but .* holds 3x3; both splits must have the same size/);
  });
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load-dataset.js';
import type { ArrayImageSet } from '../../src/data/image-set.js';
import { float32Bytes, npyBytes, patternBytes, tempDir } from './fixture-files.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

function write(name: string, bytes: Buffer): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** All values of a split in stored order (train then test), with each split's source row ids. */
function values(set: unknown): Float32Array {
  const s = set as ArrayImageSet;
  return s.rows(Array.from({ length: s.count }, (_, i) => i));
}

describe('npy: loader', () => {
  it('reads uint8 N×H×W (v1) as one channel scaled by 1/255, split 80/20', async () => {
    const file = write('u8.npy', npyBytes('|u1', [10, 3, 2], patternBytes(10, 6)));
    const d = await loadDataset(`npy:${file}`);
    expect(d.imageShape).toEqual([3, 2, 1]);
    expect([d.train.count, d.test.count]).toEqual([8, 2]);
    expect(d.train.dtype).toBe('uint8');
    const all = [...values(d.train), ...values(d.test)].map((v) => Math.round(v * 255)).sort((a, b) => a - b);
    expect(all).toEqual([...patternBytes(10, 6)].sort((a, b) => a - b));
    expect(d.train.labels).toBeUndefined();
  });

  it('reads float32 N×H×W×C (v2 and v3 headers) unchanged and rows keep their channels', async () => {
    const n = 5;
    const data = Float32Array.from({ length: n * 2 * 2 * 3 }, (_, i) => (i % 97) / 96);
    for (const version of [2, 3] as const) {
      const file = write(`f32v${version}.npy`, npyBytes('<f4', [n, 2, 2, 3], float32Bytes(data), { version }));
      const d = await loadDataset(`npy:${file}`);
      expect(d.imageShape).toEqual([2, 2, 3]);
      expect(d.train.dtype).toBe('float32');
      expect([d.train.count, d.test.count]).toEqual([4, 1]);
      // Every stored image is one of the source images, bit for bit.
      const rowsOf = (v: Float32Array) => Array.from({ length: v.length / 12 }, (_, r) => [...v.subarray(r * 12, r * 12 + 12)].join());
      const source = new Set(rowsOf(data));
      for (const r of [...rowsOf(values(d.train)), ...rowsOf(values(d.test))]) expect(source.has(r)).toBe(true);
    }
  });

  it('takes labels from x.labels.npy and keeps them with their images', async () => {
    const n = 20;
    const pixels = Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4) * 10); // image i is all 10*i
    const file = write('lab.npy', npyBytes('|u1', [n, 2, 2], pixels));
    const labels = new BigInt64Array(Array.from({ length: n }, (_, i) => BigInt(i % 7)));
    write('lab.labels.npy', npyBytes('<i8', [n], new Uint8Array(labels.buffer)));
    const d = await loadDataset(`npy:${file}`);
    expect(d.numClasses).toBe(7);
    for (const s of [d.train, d.test]) {
      const v = values(s);
      for (let r = 0; r < s.count; r++) expect(s.labels![r]).toBe(Math.round((v[r * 4] * 255) / 10) % 7);
    }
    write('badlab.npy', npyBytes('|u1', [n, 2, 2], pixels));
    write('badlab.labels.npy', npyBytes('<i4', [n - 1], new Uint8Array((n - 1) * 4)));
    await expect(loadDataset(`npy:${path.join(tmp.dir, 'badlab.npy')}`)).rejects.toThrow(/labels for .*badlab.npy must have shape \(20,\)/);
  });

  it('rejects other dtypes, Fortran order, bad shapes, out-of-range floats and truncation, naming the file', async () => {
    const f64 = write('f64.npy', npyBytes('<f8', [2, 2, 2], new Uint8Array(64)));
    await expect(loadDataset(`npy:${f64}`)).rejects.toThrow(
      `${f64} has dtype '<f8'; allowed: uint8 ('|u1') or little-endian float32 ('<f4').`,
    );
    const big = write('bigendian.npy', npyBytes('>f4', [2, 2, 2], new Uint8Array(32)));
    await expect(loadDataset(`npy:${big}`)).rejects.toThrow(/has dtype '>f4'; allowed/);
    const fortran = write('fortran.npy', npyBytes('|u1', [2, 2, 2], new Uint8Array(8), { fortran: true }));
    await expect(loadDataset(`npy:${fortran}`)).rejects.toThrow(/is stored in Fortran order/);
    const flat = write('flat.npy', npyBytes('|u1', [8], new Uint8Array(8)));
    await expect(loadDataset(`npy:${flat}`)).rejects.toThrow(/has shape \(8\); expected \(N, H, W\) or \(N, H, W, C\)/);
    const fiveCh = write('c5.npy', npyBytes('|u1', [2, 1, 1, 5], new Uint8Array(10)));
    await expect(loadDataset(`npy:${fiveCh}`)).rejects.toThrow(/C in 1..4/);
    const out = write('range.npy', npyBytes('<f4', [2, 1, 2], float32Bytes([0, 0.5, 1, 255])));
    await expect(loadDataset(`npy:${out}`)).rejects.toThrow(
      `${out} holds the float32 value 255 at flat index 3; float32 images must lie in [0,1] (save uint8 0..255 or divide by 255 first).`,
    );
    const nan = write('nan.npy', npyBytes('<f4', [2, 1, 1], float32Bytes([0, NaN])));
    await expect(loadDataset(`npy:${nan}`)).rejects.toThrow(/value NaN at flat index 1/);
    const whole = npyBytes('|u1', [3, 2, 2], new Uint8Array(12));
    const cut = write('cut.npy', whole.subarray(0, whole.length - 4));
    await expect(loadDataset(`npy:${cut}`)).rejects.toThrow(`${cut} is truncated: shape (3, 2, 2) of '|u1' needs 12 data bytes, found 8.`);
    const notNpy = write('text.npy', Buffer.from('hello, this is not numpy'));
    await expect(loadDataset(`npy:${notNpy}`)).rejects.toThrow(/is not a NumPy .npy file/);
    const one = write('one.npy', npyBytes('|u1', [1, 2, 2], new Uint8Array(4)));
    await expect(loadDataset(`npy:${one}`)).rejects.toThrow(/holds 1 image; at least 2 are needed/);
  });
});

// Writers for small, real dataset files in the formats the loaders read, built byte by byte
// from the format specs so the tests exercise the loaders on genuine files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode } from 'fast-png';

/** A fresh temporary directory and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dgm-data-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic test pixels: image i, byte j. */
export function patternBytes(count: number, rowLength: number, salt = 0): Uint8Array {
  const out = new Uint8Array(count * rowLength);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < rowLength; j++) out[i * rowLength + j] = (i * 31 + j * 7 + salt * 13) & 0xff;
  }
  return out;
}

/** IDX bytes: magic 0x0000 08 <ndims>, big-endian uint32 dims, then the values. */
export function idxBytes(dims: number[], values: Uint8Array, magic = 0x0800 | dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

/** Writes IDX bytes to `file`, gzipped when `gzip`. */
export function writeIdx(file: string, bytes: Buffer, gzip = false): string {
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** .npy bytes of format `version` with the given descr, shape and raw little-endian data. */
export function npyBytes(
  descr: string,
  shape: number[],
  data: Uint8Array,
  opts: { version?: 1 | 2 | 3; fortran?: boolean } = {},
): Buffer {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  // Pad with spaces and end with \n so data starts on a 64-byte boundary, as numpy does.
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(total - prefix - 1, ' ') + '\n';
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Little-endian bytes of float32 values. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], i * 4);
  return buf;
}

/** Writes a PNG of `channels` 8-bit channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). */
export function writePng(file: string, width: number, height: number, channels: number, data: Uint8Array): void {
  writeFileSync(file, encode({ width, height, channels, depth: 8, data }));
}

/** Writes a palette PNG: `indices` (one byte per pixel) into `palette` ([r,g,b] entries). */
export function writePalettePng(file: string, width: number, height: number, palette: number[][], indices: Uint8Array): void {
  writeFileSync(file, encode({ width, height, channels: 1, depth: 8, data: indices, palette }));
}

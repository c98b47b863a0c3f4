// How a gradient chunk travels between hosts (`--wire`): fp32 as is; bf16 (the upper 16 bits of
// a float32, rounded to nearest even) or fp16 (IEEE half, rounded to nearest even; beyond 65504
// it is ±Infinity) at half the bytes. Only the bytes between hosts are compressed: each host
// decodes what it receives and sums in float32, and weights and Adam stay float32.
//
// Why divide-before-sum needs nothing more here: every operand on the wire is an average (a
// host's average gradient, then a running average over the hosts a piece has passed: see
// ring-reducer.ts), never a sum of gradients that could overflow fp16 where no gradient does.
// In the ring bf16 and fp16 run through bf16-kernel.ts and fp16-kernel.ts (WebAssembly SIMD, the
// same bits as this file's loops, which stay the reference the tests compare them with, and the
// path of a chunk whose size does not match).
import type { WireFormat } from '@dgm/protocol';

/** Bytes per value of each format. */
export function bytesPerValue(wire: WireFormat): number {
  return wire === 'fp32' ? 4 : 2;
}

/** A fresh byte buffer holding `values` in `wire` (for tests and one-off conversions; the ring encodes into buffers it reuses). */
export function encodeChunk(values: Float32Array, wire: WireFormat): Uint8Array {
  if (wire === 'fp32') return new Uint8Array(values.slice().buffer);
  const out = new Uint16Array(values.length);
  encodeHalves(values, wire, out);
  return new Uint8Array(out.buffer);
}

/** Writes `values` as bf16 or fp16 into `into` (as many halves as values). */
export function encodeHalves(values: Float32Array, wire: 'bf16' | 'fp16', into: Uint16Array): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const n = bits.length;
  if (wire === 'fp16') {
    for (let i = 0; i < n; i++) into[i] = toFp16(bits[i]!);
    return;
  }
  // bf16 inline (the hot loop of --wire bf16): round to nearest even; a NaN keeps a mantissa bit.
  for (let i = 0; i < n; i++) {
    const u = bits[i]!;
    into[i] = (u & 0x7fffffff) > 0x7f800000 ? (u >>> 16) | 0x40 : (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
  }
}

/** Decodes `bytes` (values in `wire`) into `into`; false when the byte count does not match. */
export function decodeChunk(bytes: Uint8Array, wire: WireFormat, into: Float32Array): boolean {
  if (bytes.byteLength !== into.length * bytesPerValue(wire)) return false;
  if (wire === 'fp32') {
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(bytes); // received frames need not be 4-byte aligned
    return true;
  }
  const target = new Uint32Array(into.buffer, into.byteOffset, into.length);
  let halves: Uint16Array;
  if (bytes.byteOffset % 2 === 0) halves = new Uint16Array(bytes.buffer, bytes.byteOffset, into.length);
  else {
    halves = new Uint16Array(into.length); // an odd offset (never from ZeroMQ, whose frames are malloc'd): copy once
    new Uint8Array(halves.buffer).set(bytes);
  }
  const n = halves.length;
  if (wire === 'bf16') for (let i = 0; i < n; i++) target[i] = halves[i]! << 16;
  else for (let i = 0; i < n; i++) target[i] = fromFp16(halves[i]!);
  return true;
}

/** `values` as the receivers will see them after the wire (in place): the sender keeps the same bits as everyone else. */
export function roundTrip(values: Float32Array, wire: WireFormat): void {
  if (wire === 'fp32') return;
  decodeChunk(encodeChunk(values, wire), wire, values);
}

function toFp16(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow: ±Infinity
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r++; // may carry into the exponent: correct, up to Infinity
  return sign | r;
}

function fromFp16(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // subnormal: normalise
  let e = -14;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | ((e + 127) << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

// The SIMD fp16 kernel against the JavaScript codec (wire-codec.ts), the reference: the same bits
// for every half decoded, and for float32 values of every class encoded: around every rounding
// boundary of every half (each midpoint between neighbouring halves, where ties go to even, and
// one float32 step either side), zeros, subnormals of both formats, 65504 and the values that
// round to Infinity, infinities, NaNs with payloads, and a few million random bit patterns.
// (All 2^32 float32 patterns were also compared once, outside the suite: 27 s here.)
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeHalves } from '../src/hierarchical/wire-codec.js';
import { Fp16Kernel } from '../src/hierarchical/fp16-kernel.js';

/** The first index where two byte views differ, or -1 (fast, unlike toEqual on millions of elements). */
function firstDifference(a: ArrayBufferView, b: ArrayBufferView): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return 0;
  return Buffer.from(x).equals(Buffer.from(y)) ? -1 : x.findIndex((v, i) => v !== y[i]);
}

/** Every float32 bit pattern the encode test covers, with a ragged length (a tail group of 4). */
function encodeCases(): Uint32Array {
  const cases: number[] = [];
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  const halfValue = new Float32Array(1 << 15);
  decodeChunk(new Uint8Array(Uint16Array.from({ length: 1 << 15 }, (_, h) => h).buffer), 'fp16', halfValue);
  for (let h = 0; h < 0x7c00; h++) {
    // the midpoint between half h and the next (65504's next is 65536, where Infinity starts)
    asFloat[0] = (halfValue[h]! + (h === 0x7bff ? 65536 : halfValue[h + 1]!)) / 2;
    const mid = bits[0]!;
    for (const v of [halfValue[h]! === 0 ? 0 : bitsOf(halfValue[h]!), mid - 1, mid, mid + 1]) cases.push(v, v | 0x80000000);
  }
  const specials = [
    0x00000000, 0x00000001, 0x007fffff, 0x00400000, // zero, float32 subnormals
    0x33000000, 0x33000001, 0x32ffffff, 0x33800000, 0x33c00000, // 2^-25 (a tie: 0), just above and below, 2^-24, 3·2^-25 (tie: 2)
    0x387fe000, 0x387ff000, 0x387fffff, 0x38800000, // around the smallest normal half, 2^-14
    0x477fe000, 0x477fefff, 0x477ff000, 0x477ff001, 0x47800000, 0x7f7fffff, // 65504, below 65520, 65520 (Infinity), 65536, float32 max
    0x7f800000, 0x7f800001, 0x7fc00000, 0x7fa5a5a5, 0x7fffffff, 0x7fbfffff, // Infinity, NaNs with payloads (signalling, quiet)
  ];
  for (const v of specials) cases.push(v, v | 0x80000000);
  // every float32 exponent, with the dropped-bit patterns of every possible cut
  for (let e = 0; e < 256; e++) {
    for (let cut = 1; cut < 24; cut++) {
      const half = 1 << (cut - 1);
      for (const low of [half - 1, half, half + 1]) for (const above of [0, 1 << cut]) cases.push(((e << 23) | ((above | low) & 0x7fffff)) >>> 0);
    }
  }
  const random = 3 * 1024 * 1024;
  const all = new Uint32Array(cases.length + random + 12);
  all.set(cases);
  let s = 0x9e3779b9;
  for (let i = cases.length; i < cases.length + random; i++) all[i] = s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  const ragged = all.length - ((all.length % 8) + 4) % 8; // 4 more than a multiple of 8: a tail group after the 8-wide passes
  return all.subarray(0, ragged);

  function bitsOf(f: number): number {
    asFloat[0] = f;
    return bits[0]!;
  }
}

describe('the fp16 SIMD kernel', () => {
  it('decodes every half to the bits of the JavaScript codec', () => {
    const n = 65536 + 4; // a ragged tail of 4 after the 8-wide passes
    const memory = new WebAssembly.Memory({ initial: 8 });
    const halves = new Uint16Array(memory.buffer, 0, n + 8);
    halves.set(Uint16Array.from({ length: n }, (_, i) => i & 0xffff));
    const out = new Uint32Array(memory.buffer, 2 * (n + 8), n + 4).fill(0xdeadbeef);
    new Fp16Kernel(memory).decode(halves.byteOffset, out.byteOffset, n);
    const expected = new Float32Array(n);
    decodeChunk(new Uint8Array(halves.buffer, 0, 2 * n), 'fp16', expected);
    expect(firstDifference(out.subarray(0, n), expected)).toBe(-1);
    expect(Array.from(out.subarray(n))).toEqual([0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef]); // nothing past the last group
  });

  it('encodes float32 of every class to the bits of the JavaScript codec', () => {
    const cases = encodeCases();
    const n = cases.length;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((6 * n + 64) / 65536) });
    const values = new Uint32Array(memory.buffer, 0, n);
    values.set(cases);
    const halves = new Uint16Array(memory.buffer, 4 * n, n + 4).fill(0xbeef);
    new Fp16Kernel(memory).encode(0, halves.byteOffset, n);
    const expected = new Uint16Array(n);
    encodeHalves(new Float32Array(memory.buffer, 0, n), 'fp16', expected);
    const at = firstDifference(halves.subarray(0, n), expected) >> 1;
    expect(at === -1 ? 'none' : `0x${cases[at]!.toString(16)} → 0x${halves[at]!.toString(16)}, the codec 0x${expected[at]!.toString(16)}`).toBe('none');
    expect(Array.from(halves.subarray(n))).toEqual([0xbeef, 0xbeef, 0xbeef, 0xbeef]);
  });

});

// fp16 on the wire, in WebAssembly SIMD: wire-codec.ts's per-value JavaScript loop costs 10–20 ms
// per 4 M values each way here, this kernel ≈ 1.5–1.8 ms (tools/bench/wire-kernels.ts), 8 values
// a pass (two groups of 4 lanes sharing one 16-byte load or store of halves). Bit for bit the
// codec's IEEE half: round to nearest even, beyond 65504 ±Infinity, subnormals, a NaN stays a NaN
// (0x7e00 with its sign, as the codec makes it); a test compares them on every half and on the
// float32 boundaries of every class.
//
// WebAssembly SIMD has no per-lane variable shift, which is what the codec's subnormal branch
// does; there (and only there) the kernel lets IEEE float32 arithmetic do the shifting, where it
// is exact (reasoned at each step below). WebAssembly float operations are IEEE 754 single with
// round to nearest even, in SIMD as in scalar code; none of these produces a float32 subnormal,
// and the only one that may read one (encode's, of a float32 subnormal input) gives 0 for it
// whether it is kept or flushed to zero, so not even a flushing engine could change a bit.
//
// Like bf16-kernel.ts it works on the memory of the ring's WeightedSum, in whole groups of 4
// values (callers own the lane padding).
import { simd, splatConst as C } from '../wasm-encoding.js';
import { HalfKernel, halvesModule } from './half-kernel.js';

const i32 = 0x7f;
const v128 = 0x7b;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const add = (i: number, k: number) => [...get(i), 0x41, k, 0x6a, ...set(i)]; // i += k (k < 64)
const and = simd(0x4e);
const or = simd(0x50);
const bitselect = simd(0x52); // (a, b, mask): a where mask, else b
const iadd = simd(0xae);
const isub = simd(0xb1);
const shl = (k: number) => [0x41, k, ...simd(0xab)];
const shrU = (k: number) => [0x41, k, ...simd(0xad)];
const ltS = simd(0x39);
const gtS = simd(0x3b);
const minU = simd(0xb7);
const fadd = simd(0xe4);
const fsub = simd(0xe5);
const load = (offset = 0) => simd(0x00, 4, offset); // v128.load
const store = (offset = 0) => simd(0x0b, 4, offset); // v128.store
const extendLow = simd(0xa9); // i32x4.extend_low_i16x8_u: halves 0-3, one a lane
const extendHigh = simd(0xaa); // halves 4-7
const narrow = simd(0x86); // i16x8.narrow_i32x4_u: the lanes hold half bits (≤ 0xfe00), never saturated
const load64Halves = [0x29, 0, 0, ...simd(0x12), ...extendLow]; // i64.load, i64x2.splat: four halves, one a lane
const storeHalves = (x: number) => [...get(x), ...get(x), ...narrow, ...simd(0x1d, 0), 0x37, 0, 0]; // i64x2.extract_lane 0, i64.store

/**
 * Two loops over the float side's `pointer` up to `end`: 8 values per pass (`eight`: a 16-byte
 * load or store of halves), then one pass of 4 (`four`) when 4 values remain (callers hand
 * whole groups of 4).
 */
const loops = (pointer: number, end: number, eight: number[], four: number[]) => [
  0x02, 0x40, 0x03, 0x40,
  ...get(pointer), 0x41, 32, 0x6a, ...get(end), 0x4b, 0x0d, 1, // pointer + 32 >u end: break
  ...eight,
  0x0c, 0, 0x0b, 0x0b,
  0x02, 0x40, 0x03, 0x40,
  ...get(pointer), ...get(end), 0x4f, 0x0d, 1, // pointer >=u end: break
  ...four,
  0x0c, 0, 0x0b, 0x0b,
];

/**
 * float32 bits (local x) → half bits, one per i32 lane, left on the stack; local t is scratch.
 * With a = |x|'s bits (a < 2^31, so signed and unsigned comparisons agree):
 * - |x| ≥ 2^-14 (a ≥ 0x38800000), a normal half or ±Infinity: the codec's
 *   ((e << 10) | mant >>> 13) rounded up when the dropped 13 bits exceed 0x1000 or equal it with
 *   an odd result. (a + 0xfff + lsb) >>> 13, lsb = bit 13 of a, is that rounding: the dropped
 *   bits plus 0xfff + lsb carry into bit 13 exactly when they are > 0x1000, or = 0x1000 with
 *   lsb = 1; a carry out of the mantissa increments the exponent, which is the correctly
 *   rounded result (up to 0x7c00, Infinity, for |x| ≥ 65520). Rebiasing the exponent from 127 to
 *   15 subtracts 112 << 23 first; 112 << 23 is a multiple of 2^13, so bit 13 (the lsb) is the
 *   same before and after, and both constants fold into one addition, 0xfff − 0x38000000 (mod
 *   2^32; a + 0xfff + 1 < 2^31 never wraps). Every |x| ≥ 65536 and ±Infinity gives ≥ 0x7c00,
 *   and min_u clamps it to 0x7c00 (Infinity); a NaN (a > 0x7f800000) also gets the 0x200 bit.
 * - |x| < 2^-14 (subnormal halves, 0, and every float32 subnormal): the half is |x| / 2^-24
 *   rounded to the nearest integer, ties to even. float32 addition does exactly that: the exact
 *   sum 0.5 + |x| lies in [0.5, 0.5 + 2^-14], where float32 values are 0.5 + k·2^-24, so the
 *   sum rounds to 0.5 + k·2^-24 with k = |x|/2^-24 rounded to nearest, and on a tie to the even
 *   significand, whose last bit is k's (0.5's significand bits are all zero). Its bits minus
 *   0.5's are k: the half's bits (k = 0x400, |x| rounding up to 2^-14, is the smallest normal
 *   half's bits too). For |x| < 2^-25 (the codec's "±0" branch, float32 subnormals included)
 *   k = 0, as the codec gives.
 * - The sign is bit 31 moved to bit 15.
 */
const encodeLanes = (x: number, t: number) => [
  ...get(x), ...C(0x7fffffff), ...and, ...set(t), // a = |x|
  // subnormal (and zero): bits(a + 0.5f) - bits(0.5f)
  ...get(t), ...C(0x3f000000), ...fadd, ...C(0x3f000000), ...isub,
  // normal: min_u((a + 0xfff - (112 << 23) + ((a >>> 13) & 1)) >>> 13, 0x7c00), | 0x200 for a NaN
  ...get(t), ...C((0xfff - 0x38000000) >>> 0), ...iadd, ...get(t), ...shrU(13), ...C(1), ...and, ...iadd,
  ...shrU(13), ...C(0x7c00), ...minU,
  ...get(t), ...C(0x7f800000), ...gtS, ...C(0x200), ...and, ...or,
  ...get(t), ...C(0x38800000), ...ltS, ...bitselect, // a < 2^-14's bits: the subnormal result
  ...get(x), ...shrU(16), ...C(0x8000), ...and, ...or, // the sign
];

/**
 * half bits (local x, one per i32 lane) → float32 bits left on the stack; local t is scratch.
 * With a = (h & 0x7fff) << 13, exponent and mantissa at float32's places:
 * - a normal half: a + (112 << 23) rebiases the exponent from 15 to 127, the mantissa as is
 *   (the codec's (exp - 15 + 127) << 23 | mant << 13).
 * - Infinity and NaNs (exponent 31, a ≥ 0x0f800000): 112 << 23 once more makes the exponent
 *   255, the mantissa kept, payload included (the codec's 0x7f800000 | mant << 13).
 * - zero and subnormal halves (a < 1 << 23): the value is mant·2^-24. The float32 with bits
 *   a + 0x38800000 is 2^-14·(1 + mant/1024); subtracting 2^-14 leaves mant·2^-24, which has at
 *   most 10 significant bits, so the subtraction is exact and its bits are the normalised float32
 *   the codec builds by shifting (and +0 for mant = 0).
 * - The sign is bit 15 moved to bit 31.
 */
const decodeLanes = (x: number, t: number) => [
  ...get(x), ...C(0x7fff), ...and, ...shl(13), ...set(t),
  // subnormal (and zero): f32(a + bits(2^-14)) - 2^-14
  ...get(t), ...C(0x38800000), ...iadd, ...C(0x38800000), ...fsub,
  // normal: a + (112 << 23), and again for Infinity and NaN
  ...get(t), ...C(0x38000000), ...iadd, ...get(t), ...C(0x0f7fffff), ...gtS, ...C(0x38000000), ...and, ...iadd,
  ...get(t), ...C(0x00800000), ...ltS, ...bitselect, // exponent 0: the subnormal result
  ...get(x), ...C(0x8000), ...and, ...shl(16), ...or, // the sign
];

// encode and decode: params 0 src, 1 dst, 2 bytes (of the float side); locals 3 end (i32), 4 x, 5 t, 6 w (v128).
const encodeBody = [
  2, 1, i32, 3, v128,
  ...get(0), ...get(2), 0x6a, ...set(3), // end = src + bytes
  ...loops(0, 3, [
    ...get(1),
    ...get(0), ...load(0), ...set(4), ...encodeLanes(4, 5),
    ...get(0), ...load(16), ...set(4), ...encodeLanes(4, 5),
    ...narrow, ...store(),
    ...add(0, 32), ...add(1, 16),
  ], [
    ...get(0), ...load(), ...set(4), ...encodeLanes(4, 5), ...set(4),
    ...get(1), ...storeHalves(4),
    ...add(0, 16), ...add(1, 8),
  ]),
  0x0b,
];
const decodeBody = [
  2, 1, i32, 3, v128,
  ...get(1), ...get(2), 0x6a, ...set(3), // end = dst + bytes
  ...loops(1, 3, [
    ...get(0), ...load(), ...set(6),
    ...get(1), ...get(6), ...extendLow, ...set(4), ...decodeLanes(4, 5), ...store(0),
    ...get(1), ...get(6), ...extendHigh, ...set(4), ...decodeLanes(4, 5), ...store(16),
    ...add(0, 16), ...add(1, 32),
  ], [
    ...get(1), ...get(0), ...load64Halves, ...set(4), ...decodeLanes(4, 5), ...store(),
    ...add(0, 8), ...add(1, 16),
  ]),
  0x0b,
];

let compiled: WebAssembly.Module | null = null;

/** fp16 encode and decode over one WebAssembly memory; offsets and counts in that memory's terms. */
export class Fp16Kernel extends HalfKernel {
  constructor(memory: WebAssembly.Memory) {
    super((compiled ??= halvesModule(encodeBody, decodeBody)), memory);
  }
}

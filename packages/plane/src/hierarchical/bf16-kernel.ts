// bf16 on the wire, in WebAssembly SIMD: the JavaScript loops of wire-codec.ts cost ≈ 17 ns a
// value here once the views are over WebAssembly memory (the 64 MB profile: encode and decode
// took more time than the ring's sends), four lanes per instruction make them a memory pass.
// Bit for bit the same as wire-codec.ts: round to nearest even, a NaN stays a NaN (a test
// compares them on every kind of value).
//
// The module works on the memory of the ring's WeightedSum (its output, operands and scratch), so
// a chunk is encoded straight from the output into an encode buffer ZeroMQ sends from, and
// decoded straight into the operand or the output. It processes whole groups of 4 values: a
// caller passes regions whose lane padding it owns (the ring's chunks start at multiples of 4,
// and only a shard's end is ragged, where the regions have slack).
import { sleb } from '../wasm-encoding.js';
import { HalfKernel, halvesModule } from './half-kernel.js';

/** The two bodies, encode then decode, each (src, dst, bytes) as half-kernel.ts's module calls them. */
function bodies(): [number[], number[]] {
  const i32 = 0x7f;
  const v128 = 0x7b;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const add = (i: number, k: number) => [...get(i), 0x41, ...sleb(k), 0x6a, ...set(i)];
  const simd = (...op: number[]) => [0xfd, ...op];
  const splat = (k: number) => [0x41, ...sleb(k), ...simd(0x11)]; // i32x4.splat
  const shrU16 = [0x41, 16, ...simd(0xad, 0x01)]; // i32x4.shr_u 16
  // Params 0 src, 1 dst, 2 bytes (of the float side); locals 3 end (i32), 4 v, 5 r (v128).
  const locals = [2, 1, i32, 2, v128];
  const encode = [
    ...locals,
    ...get(0), ...get(2), 0x6a, ...set(3), // end = src + bytes
    0x02, 0x40, 0x03, 0x40,
    ...get(0), ...get(3), 0x4f, 0x0d, 1, // src >= end: break
    ...get(1), // the store's address
    ...get(0), ...simd(0x00, 4, 0), ...set(4), // v = load(src)
    ...get(4), ...shrU16, ...splat(0x40), ...simd(0x50), // NaN: (v >>> 16) | 0x40
    ...get(4), ...splat(0x7fff), ...simd(0xae, 0x01), // v + 0x7fff
    ...get(4), ...shrU16, ...splat(1), ...simd(0x4e), ...simd(0xae, 0x01), // + ((v >>> 16) & 1)
    ...shrU16, // rounded to nearest even
    ...get(4), ...splat(0x7fffffff), ...simd(0x4e), ...splat(0x7f800000), ...simd(0x3c), // |v| >u Infinity: NaN
    ...simd(0x52), // bitselect(NaN case, rounded, mask)
    ...set(5), ...get(5), ...get(5), ...simd(0x86, 0x01), // i16x8.narrow_i32x4_u(r, r)
    ...simd(0x1d, 0), // i64x2.extract_lane 0: the four halves
    0x37, 0, 0, // i64.store
    ...add(0, 16), ...add(1, 8),
    0x0c, 0, 0x0b, 0x0b, 0x0b,
  ];
  const decode = [
    ...locals,
    ...get(1), ...get(2), 0x6a, ...set(3), // end = dst + bytes
    0x02, 0x40, 0x03, 0x40,
    ...get(1), ...get(3), 0x4f, 0x0d, 1, // dst >= end: break
    ...get(1), // the store's address
    ...get(0), 0x29, 0, 0, ...simd(0x12), // i64.load, i64x2.splat: four halves in the low lanes
    ...simd(0xa9, 0x01), 0x41, 16, ...simd(0xab, 0x01), // i32x4.extend_low_i16x8_u, shl 16
    ...simd(0x0b, 4, 0), // v128.store
    ...add(0, 8), ...add(1, 16),
    0x0c, 0, 0x0b, 0x0b, 0x0b,
  ];
  return [encode, decode];
}

let compiled: WebAssembly.Module | null = null;

/** bf16 encode and decode over one WebAssembly memory; offsets and counts in that memory's terms. */
export class Bf16Kernel extends HalfKernel {
  constructor(memory: WebAssembly.Memory) {
    super((compiled ??= halvesModule(...bodies())), memory);
  }
}

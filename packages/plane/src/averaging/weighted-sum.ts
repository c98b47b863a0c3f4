// The arithmetic of every data plane: out = wa·a + wb·b over float32 vectors, in a tiny
// WebAssembly SIMD kernel (four lanes per instruction). A plain JavaScript loop over 8 M floats
// takes ≈ 23 ms here, this kernel ≈ 3.5 ms, and the all-reduce of a large model is bound by
// exactly this pass. The kernel rounds like the scalar float32 formula
// fround(fround(a·wa) + fround(b·wb)) (WebAssembly's f32x4 mul and add are IEEE single
// operations, never fused), so every replica computing a chunk gets the same bits, and the
// coordinator of the star gets them too (weighted-average.ts).
//
// The operands live in the kernel's own linear memory: an output region of `outCapacity` floats
// and two operand regions (a, b) of `capacity` floats, which callers fill through views (copies,
// or file reads straight into them). The output may be larger than the operands: a rank can
// compute its chunk of a gradient at the chunk's place in a whole-gradient output.
import { codeBody, name, section, WASM_HEADER } from '../wasm-encoding.js';

/** The module, assembled by hand: (import "e" "m" memory) (func combine (out a wa b wb bytes)). */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const i32 = 0x7f;
  const f32 = 0x7d;
  // Locals: 0 out, 1 a, 2 wa, 3 b, 4 wb, 5 bytes (params), 6 end (i32).
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const advance = (i: number) => [...get(i), 0x41, 16, 0x6a, ...set(i)]; // local += 16
  const simd = (op: number[]) => [0xfd, ...op];
  const body = [
    1, 1, i32, // one i32 local
    ...get(0), ...get(5), 0x6a, ...set(6), // end = out + bytes
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(0), ...get(6), 0x4f, 0x0d, 1, // if out >= end: break
    ...get(0), // store address
    ...get(1), ...simd([0x00, 4, 0]), ...get(2), ...simd([0x13]), ...simd([0xe6, 0x01]), // a * splat(wa)
    ...get(3), ...simd([0x00, 4, 0]), ...get(4), ...simd([0x13]), ...simd([0xe6, 0x01]), // b * splat(wb)
    ...simd([0xe4, 0x01]), // add
    ...simd([0x0b, 4, 0]), // v128.store
    ...advance(0), ...advance(1), ...advance(3),
    0x0c, 0, 0x0b, 0x0b, 0x0b, // br loop; end loop; end block; end func
  ];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, 0x60, 6, i32, i32, f32, i32, f32, i32, 0]),
    ...section(2, [1, ...name('e'), ...name('m'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('combine'), 0x00, 0]),
    ...section(10, [1, ...codeBody(body)]),
  ]);
}

let compiled: WebAssembly.Module | null = null;

/** Three float32 regions in WebAssembly memory and the kernel that combines them. */
export class WeightedSum {
  /** Floats per operand region (a multiple of 4: the kernel works in whole lanes). */
  readonly capacity: number;
  /** Floats of the output region (a multiple of 4). */
  readonly outCapacity: number;
  /** The output region in use (see `useOutput`). */
  out: Float32Array;
  /** Every output region: one unless the constructor asked for more. */
  readonly outputs: readonly Float32Array[];
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** The kernel's linear memory (other kernels may work on the same regions: the ring's wire kernel). */
  readonly memory: WebAssembly.Memory;
  /** Bytes after the operands for a caller's own use (the ring's encode and staging buffers); empty unless asked for. */
  readonly scratch: Uint8Array;
  private readonly combineFn: (out: number, a: number, wa: number, b: number, wb: number, bytes: number) => void;

  /**
   * `outputs` output regions, used one at a time (`useOutput`): a ring hands ZeroMQ views of its
   * output to send without a copy, and alternates between two so that the next reduce never
   * writes where a send of the previous one may still be read.
   */
  constructor(capacity: number, outCapacity = capacity, outputs = 1, scratchBytes = 0) {
    this.capacity = lanes(Math.max(1, capacity));
    this.outCapacity = lanes(Math.max(capacity, outCapacity));
    const outBytes = this.outCapacity * 4;
    const bytes = this.capacity * 4;
    const scratchAt = outputs * outBytes + 2 * bytes;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((scratchAt + scratchBytes) / 65536) });
    this.memory = memory;
    this.scratch = new Uint8Array(memory.buffer, scratchAt, scratchBytes);
    compiled ??= new WebAssembly.Module(moduleBytes());
    const instance = new WebAssembly.Instance(compiled, { e: { m: memory } });
    this.combineFn = instance.exports.combine as WeightedSum['combineFn'];
    this.outputs = Array.from({ length: outputs }, (_, i) => new Float32Array(memory.buffer, i * outBytes, this.outCapacity));
    this.out = this.outputs[0]!;
    this.a = new Float32Array(memory.buffer, outputs * outBytes, this.capacity);
    this.b = new Float32Array(memory.buffer, outputs * outBytes + bytes, this.capacity);
  }

  /** Makes output region `i` the one every operation writes (and `out` names). */
  useOutput(i: number): void {
    this.out = this.outputs[i]!;
  }

  /** out[at..at+n) = wa·a[0..n) + wb·b[0..n) (float32 rounding after each operation); `at` is a multiple of 4. */
  combine(wa: number, wb: number, n: number, at = 0): void {
    this.check(n, at);
    this.combineFn(this.out.byteOffset + at * 4, this.a.byteOffset, wa, this.b.byteOffset, wb, lanes(n) * 4);
  }

  /** out[at..at+n) += w·a[0..n): one more contribution on top of what out holds there. */
  accumulate(w: number, n: number, at = 0): void {
    this.check(n, at);
    const out = this.out.byteOffset + at * 4;
    // 1·out is exact, so this is out + fround(w·a), rounded once.
    this.combineFn(out, out, 1, this.a.byteOffset, w, lanes(n) * 4);
  }

  /**
   * out[at..at+n) = wa·a[0..n) + wo·out[at..at+n): a running weighted average, the received
   * partial (a) first (the ring's fixed order of operations).
   */
  blend(wa: number, wo: number, n: number, at = 0): void {
    this.check(n, at);
    const out = this.out.byteOffset + at * 4;
    this.combineFn(out, this.a.byteOffset, wa, out, wo, lanes(n) * 4);
  }

  private check(n: number, at: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.capacity || !Number.isInteger(at) || at < 0 || at % 4 !== 0 || at + lanes(n) > this.outCapacity) {
      throw new RangeError(`${n} floats at ${at} do not fit operands of ${this.capacity} and an output of ${this.outCapacity} (offsets are multiples of 4)`);
    }
  }
}

/** n rounded up to whole 4-float lanes (the regions are padded, so the tail lanes are scratch). */
function lanes(n: number): number {
  return Math.ceil(n / 4) * 4;
}

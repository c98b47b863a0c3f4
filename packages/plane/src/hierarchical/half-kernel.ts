// What bf16-kernel.ts and fp16-kernel.ts share: a WebAssembly module of two functions,
// encode(src, dst, bytes) and decode(src, dst, bytes), over the memory of the ring's WeightedSum,
// compiled once per format and instantiated per memory. Each format brings only its two bodies.
import { codeBody, name, section, WASM_HEADER } from '../wasm-encoding.js';

/** The module: (import "e" "m" memory) (func encode (src dst bytes)) (func decode (src dst bytes)). */
export function halvesModule(encodeBody: number[], decodeBody: number[]): WebAssembly.Module {
  const i32 = 0x7f;
  return new WebAssembly.Module(
    new Uint8Array([
      ...WASM_HEADER,
      ...section(1, [1, 0x60, 3, i32, i32, i32, 0]),
      ...section(2, [1, ...name('e'), ...name('m'), 0x02, 0x00, 1]),
      ...section(3, [2, 0, 0]),
      ...section(7, [2, ...name('encode'), 0x00, 0, ...name('decode'), 0x00, 1]),
      ...section(10, [2, ...codeBody(encodeBody), ...codeBody(decodeBody)]),
    ]),
  );
}

/** A 16-bit wire format's encode and decode over one WebAssembly memory; offsets and counts in that memory's terms. */
export class HalfKernel {
  private readonly encodeFn: (src: number, dst: number, bytes: number) => void;
  private readonly decodeFn: (src: number, dst: number, bytes: number) => void;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const instance = new WebAssembly.Instance(module, { e: { m: memory } });
    this.encodeFn = instance.exports.encode as HalfKernel['encodeFn'];
    this.decodeFn = instance.exports.decode as HalfKernel['decodeFn'];
  }

  /** `count` float32 at byte `src` → halves at byte `dst` (rounded up to a multiple of 4 values). */
  encode(src: number, dst: number, count: number): void {
    this.encodeFn(src, dst, Math.ceil(count / 4) * 16);
  }

  /** `count` halves at byte `src` → float32 at byte `dst` (rounded up to a multiple of 4 values). */
  decode(src: number, dst: number, count: number): void {
    this.decodeFn(src, dst, Math.ceil(count / 4) * 16);
  }
}

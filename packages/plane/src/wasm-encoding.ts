// The few pieces of the WebAssembly binary format that the plane's hand-assembled kernels share
// (averaging/weighted-sum.ts, hierarchical/bf16-kernel.ts, hierarchical/fp16-kernel.ts).
// Hand-assembled because the plane must not pull a toolchain or tfjs, and each kernel is a few
// dozen instructions.

/** The module header: magic `\0asm` and version 1. */
export const WASM_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

/** An unsigned LEB128 number (section sizes, body sizes, counts). */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** A signed LEB128 number (i32.const immediates). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A SIMD instruction: the 0xfd prefix, the opcode as LEB128, then its immediates. */
export const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...leb(op), ...immediates];

/** v128.const with the same 32-bit pattern in all four lanes. */
export const splatConst = (bits: number): number[] =>
  simd(0x0c, ...Array.from({ length: 16 }, (_, i) => (bits >>> ((i % 4) * 8)) & 0xff));

/** A section: its id, then its content's size and the content. */
export const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];

/** A name (import module/field, export): its length, then its ASCII bytes. */
export const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/** A function body in the code section: its size, then the code (locals and instructions). */
export const codeBody = (code: number[]): number[] => [...leb(code.length), ...code];

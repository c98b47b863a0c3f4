// Philox-4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), the counter-based generator of Random123, cuRAND and JAX. It is a keyed bijection
// of a 128-bit counter: any block can be computed directly from (key, counter) with no state,
// which is what lets a batch split over any number of workers draw exactly the noise the whole
// batch would. Written with 32-bit integer arithmetic only (Math.imul and 16-bit halves for
// the high word), so every JavaScript engine produces the same bits.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9; // golden ratio
const W1 = 0xbb67ae85; // sqrt(3) - 1

/** High 32 bits of the 64-bit product of two uint32 values, exact in float64 arithmetic. */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const lolo = a0 * b0;
  const hilo = a1 * b0;
  const lohi = a0 * b1;
  // Every partial sum stays below 2^53, so float64 holds it exactly; division instead of >>>
  // because `cross` can exceed 2^32.
  const cross = (lolo >>> 16) + (hilo & 0xffff) + lohi;
  return (a1 * b1 + (hilo >>> 16) + Math.floor(cross / 65536)) >>> 0;
}

/**
 * One Philox-4x32-10 block: encrypts `counter` (4 uint32 words) under `key` (2 uint32 words)
 * and writes the 4 output words to `out` (which may alias `counter`).
 */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>, out: Uint32Array | number[]): void {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

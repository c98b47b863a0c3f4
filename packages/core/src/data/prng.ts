// Seeded permutations that every machine computes identically. Isomorphic (no node imports):
// the coordinator, the workers and a browser must all derive the same epoch order from the same
// seed, so everything here is 32-bit integer arithmetic (Math.imul, >>>), never Math.random,
// never float rounding that could differ between engines.
//
// Generator: sfc32 (Chris Doty-Humphrey's "Small Fast Counter", 128-bit state, 32-bit output;
// passes PractRand to multiple terabytes), seeded from a hash of the caller's words. The hash is
// Chris Wellons' "lowbias32" integer mixer applied word by word. Bounded integers use rejection
// sampling so every index of a Fisher–Yates shuffle is exactly uniform, for any count < 2^32.

const TWO_POW_32 = 0x1_0000_0000;

/** lowbias32 (Wellons): a bijective 32-bit mixer with very low avalanche bias. */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hashes a list of 32-bit words (order matters) into one 32-bit word. */
export function hashWords(words: readonly number[]): number {
  let h = 0x243f6a88; // digits of pi: an arbitrary, documented starting value
  for (const w of words) h = mix32((h + mix32((w >>> 0) ^ 0x9e3779b9)) >>> 0);
  return h;
}

/**
 * Splits a safe integer seed into two 32-bit words (low, high) so seeds above 2^32 and
 * negative seeds still give distinct streams.
 */
export function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer, got ${String(seed)}.`);
  }
  return [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

/** sfc32 generator state seeded from a word list; `next()` returns a uniform uint32. */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(words: readonly number[]) {
    // Four decorrelated state words from the same key, then discard 12 outputs as the
    // generator's author recommends, so nearby keys do not start with related outputs.
    this.a = hashWords([...words, 1]);
    this.b = hashWords([...words, 2]);
    this.c = hashWords([...words, 3]);
    this.d = 1; // the counter word
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Next uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [0, bound), exactly unbiased (rejection sampling), 1 <= bound <= 2^32. */
  below(bound: number): number {
    // Reject the top (2^32 mod bound) values so the remaining range is a multiple of bound.
    // All quantities stay below 2^33, exact in float64.
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    let x = this.next();
    while (x >= limit) x = this.next();
    return x % bound;
  }
}

/**
 * A permutation of 0..count-1 by Fisher–Yates (Durstenfeld, from the end) driven by an sfc32
 * seeded with `words`. The same words give the same permutation on every machine.
 */
export function seededPermutation(count: number, words: readonly number[]): Int32Array {
  if (!Number.isInteger(count) || count < 0 || count > 0x7fffffff) {
    throw new RangeError(`count must be an integer in [0, 2^31), got ${String(count)}.`);
  }
  const perm = new Int32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  const rng = new Sfc32(words);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

// Per-sample noise keyed by (seed, step, phase, stream, global sample index).
//
// The exact algorithm (part of dgm's reproducibility contract; changing it changes every run):
//   key     = [seed mod 2^32, floor(seed / 2^32)]                       (seed: integer in [0, 2^53))
//   counter = [i, b, step, fnv1a32(phase + "\u0000" + stream)]           (i: the global sample index
//             of the row, b: block number inside the row, step: integer in [0, 2^32))
//   block   = Philox-4x32-10(counter, key) -> 4 uint32 words w0..w3
// Row r of a [n, dim] result uses blocks b = 0, 1, ... of its own index i = indices[r]:
//   keyedUniform: value j = (w[j mod 4] >>> 8) * 2^-24, taken from block floor(j / 4): an exact
//                 float32 in [0, 1) with 24 random bits.
//   keyedNormal:  value j comes from block floor(j / 4); the pair p = (j mod 4) >> 1 of words gives,
//                 in float64, u1 = (w[2p] + 1) * 2^-32 in (0, 1], u2 = w[2p+1] * 2^-32 in [0, 1),
//                 r = sqrt(-2 ln u1), and value = r cos(2 pi u2) for even j, r sin(2 pi u2) for odd j
//                 (Box-Muller), rounded once to float32.
// A row therefore depends only on the key and its own index, never on its position in the
// batch or on the batch size. Uniforms are bit-identical on every engine; normals go through
// Math.log/cos/sin, which V8 (Node, Chrome) computes identically everywhere; another engine's
// libm could differ in the last float64 bit, which float32 rounding almost always hides.
import { NoiseKeyError } from './errors.js';
import { philox4x32 } from './philox.js';
import { fnv1a32 } from './stream-hash.js';

/** The training phases of dgm; a phase also names the noise it draws. */
export type PhaseName = 'd' | 'g' | 'vae';

/** Everything but the sample index that selects a noise stream. */
export interface NoiseKey {
  seed: number;
  step: number;
  phase: string;
  stream: string; // 'latent' | 'eps' | 'binarize' | 'gp-alpha' | ...
}

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;
const TWO_PI = 2 * Math.PI;

interface ResolvedKey {
  key: Uint32Array;
  step: number;
  streamWord: number;
}

function resolveKey(key: NoiseKey): ResolvedKey {
  if (key === null || typeof key !== 'object') {
    throw new NoiseKeyError('noise key must be an object { seed, step, phase, stream }.');
  }
  const { seed, step, phase, stream } = key;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new NoiseKeyError(`noise seed must be an integer in [0, 2^53), got ${String(seed)}.`);
  }
  if (!Number.isInteger(step) || step < 0 || step >= TWO_POW_32) {
    throw new NoiseKeyError(`noise step must be an integer in [0, 2^32), got ${String(step)}.`);
  }
  if (typeof phase !== 'string' || phase.length === 0) {
    throw new NoiseKeyError(`noise phase must be a non-empty string, got ${String(phase)}.`);
  }
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new NoiseKeyError(`noise stream must be a non-empty string, got ${String(stream)}.`);
  }
  const words = new Uint32Array(2);
  words[0] = seed % TWO_POW_32;
  words[1] = Math.floor(seed / TWO_POW_32);
  return { key: words, step, streamWord: fnv1a32(`${phase}\u0000${stream}`) };
}

function checkShape(indices: ArrayLike<number>, dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new NoiseKeyError(`noise dimension must be a positive integer, got ${String(dim)}.`);
  }
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= TWO_POW_32) {
      throw new NoiseKeyError(`sample index at position ${r} must be an integer in [0, 2^32), got ${String(i)}.`);
    }
  }
}

/** Calls `visit(row, block, words)` for every Philox block the [indices.length, dim] result needs. */
function forEachBlock(
  key: NoiseKey,
  indices: ArrayLike<number>,
  dim: number,
  visit: (row: number, block: number, words: Uint32Array) => void,
): void {
  const resolved = resolveKey(key);
  checkShape(indices, dim);
  const blocksPerRow = Math.ceil(dim / 4);
  const counter = new Uint32Array(4);
  const words = new Uint32Array(4);
  counter[2] = resolved.step;
  counter[3] = resolved.streamWord;
  for (let r = 0; r < indices.length; r++) {
    counter[0] = indices[r];
    for (let b = 0; b < blocksPerRow; b++) {
      counter[1] = b;
      philox4x32(counter, resolved.key, words);
      visit(r, b, words);
    }
  }
}

/**
 * Uniform noise in [0, 1): a row-major [indices.length, dim] array whose row r depends only on
 * `key` and `indices[r]` (the global index of the sample). See the file header for the algorithm.
 */
export function keyedUniform(key: NoiseKey, indices: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(indices.length * dim);
  forEachBlock(key, indices, dim, (row, block, words) => {
    const base = row * dim + block * 4;
    const count = Math.min(4, dim - block * 4);
    for (let k = 0; k < count; k++) out[base + k] = (words[k] >>> 8) * TWO_POW_MINUS_24;
  });
  return out;
}

/**
 * Standard normal noise (Box-Muller on Philox words): a row-major [indices.length, dim] array
 * whose row r depends only on `key` and `indices[r]`. See the file header for the algorithm.
 */
export function keyedNormal(key: NoiseKey, indices: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(indices.length * dim);
  forEachBlock(key, indices, dim, (row, block, words) => {
    const base = row * dim + block * 4;
    const count = Math.min(4, dim - block * 4);
    for (let pair = 0; pair * 2 < count; pair++) {
      const u1 = (words[2 * pair] + 1) * TWO_POW_MINUS_32;
      const u2 = words[2 * pair + 1] * TWO_POW_MINUS_32;
      const radius = Math.sqrt(-2 * Math.log(u1));
      const angle = TWO_PI * u2;
      out[base + 2 * pair] = radius * Math.cos(angle);
      if (2 * pair + 1 < count) out[base + 2 * pair + 1] = radius * Math.sin(angle);
    }
  });
  return out;
}

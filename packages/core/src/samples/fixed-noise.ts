// The latent points every sample grid of a run is drawn from. The key has no real step, so the
// same points are used at every checkpoint and grids show progress, not new noise.
import type { NoiseKey } from '../noise/index.js';
import { keyedNormal } from '../noise/index.js';

/** The fixed key of sample grids for a run seed. */
export function sampleNoiseKey(seed: number, stream = 'grid'): NoiseKey {
  return { seed, step: 0, phase: 'sample', stream };
}

/** `count` fixed standard-normal latent vectors [count, dim] for grids of the run with `seed`. */
export function fixedLatents(seed: number, count: number, dim: number, stream = 'grid'): Float32Array {
  return keyedNormal(sampleNoiseKey(seed, stream), Array.from({ length: count }, (_, i) => i), dim);
}

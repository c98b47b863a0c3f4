// A bit-exact hash over all of a model's weights: replicas in sync have equal hashes.
import { Fnv1a64 } from './fnv1a64.js';
import type { LayerWeight } from './manifest.js';

/** FNV-1a-64 over every weight's name, shape and float32 bytes, in order. Reads weights synchronously. */
export function hashWeights(weights: readonly LayerWeight[]): string {
  const hasher = new Fnv1a64();
  for (const w of weights) {
    hasher.updateString(`${w.originalName}:${w.shape.join('x')}\n`);
    const values = w.read().dataSync() as Float32Array;
    hasher.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hasher.hex();
}

// Whole-model views over all sub-models' weights: a bit-exact hash, and flat read/write of the
// non-trainable ones (BatchNorm moving statistics), which the distributed layer syncs.
import * as tf from '@tensorflow/tfjs';
import { TrainerInputError } from './errors.js';
import { Fnv1a64 } from './fnv1a64.js';
import { layoutHash, layoutWeights, type LayerWeight, type ParameterEntry } from './manifest.js';

/** A flat layout of some of a model's weights (like ParameterManifest, without a phase). */
export interface WeightLayout {
  entries: ParameterEntry[];
  totalSize: number;
  hash: string;
}

export function weightLayout(weights: readonly LayerWeight[], names?: readonly string[]): WeightLayout {
  const { entries, totalSize } = layoutWeights(weights, names);
  return { entries, totalSize, hash: layoutHash(entries) };
}

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

/** The weights' values concatenated in layout order. */
export function readWeights(layout: WeightLayout, weights: readonly LayerWeight[]): Float32Array {
  const out = new Float32Array(layout.totalSize);
  weights.forEach((w, i) => out.set(w.read().dataSync() as Float32Array, layout.entries[i].offset));
  return out;
}

/** Writes `flat` (laid out by `layout`) into the weights. */
export function writeWeights(layout: WeightLayout, weights: readonly LayerWeight[], flat: Float32Array): void {
  if (!(flat instanceof Float32Array) || flat.length !== layout.totalSize) {
    throw new TrainerInputError(`expected a Float32Array of ${layout.totalSize} weight values, got ${flat instanceof Float32Array ? flat.length : typeof flat}.`);
  }
  tf.tidy(() => {
    weights.forEach((w, i) => {
      const e = layout.entries[i];
      w.write(tf.tensor(flat.slice(e.offset, e.offset + e.size), e.shape, 'float32'));
    });
  });
}

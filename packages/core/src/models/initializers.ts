// Seeded weight initializers: each layer's kernel gets its own seed derived from the model seed
// and the layer's name (not from creation order or a global counter), so two processes build
// bit-identical models and adding a layer does not reshuffle the others.
import * as tf from '#tfjs';
import { fnv1a32 } from '../noise/index.js';

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** The initializer seed of one layer: FNV-1a-32 of "<model seed>/<layer name>". */
export function layerSeed(modelSeed: number, layerName: string): number {
  return fnv1a32(`${modelSeed}/${layerName}`);
}

/** Glorot-uniform (Keras' default for dense and conv kernels), seeded per layer. */
export function glorotKernel(modelSeed: number, layerName: string): Initializer {
  return tf.initializers.glorotUniform({ seed: layerSeed(modelSeed, layerName) });
}

/** N(0, 0.02): the DCGAN paper's initialisation (Radford et al., 2016), seeded per layer. */
export function dcganKernel(modelSeed: number, layerName: string): Initializer {
  return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: layerSeed(modelSeed, layerName) });
}

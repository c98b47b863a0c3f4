// The evaluation classifiers: what the penultimate ('features') layer looks like decides what FID
// measures, so the architecture is recorded next to the weights (info.json `architecture`).
import * as tf from '@tensorflow/tfjs';

/** Width of the penultimate layer, i.e. the FID feature dimension, for both architectures. */
export const FEATURE_DIM = 64;
const DROPOUT = 0.2;

import type { ArchitectureName } from './architecture-names.js';

export { ARCHITECTURES, type ArchitectureName } from './architecture-names.js';

/** One-line descriptions stored in info.json. */
export const ARCHITECTURE_SUMMARY: Record<ArchitectureName, string> = {
  cnn: `cnn conv3x3x16-relu-maxpool2-conv3x3x32-relu-maxpool2-flatten(1568)-dense${FEATURE_DIM}(features)-relu-dropout${DROPOUT}-dense10-softmax`,
  mlp: `mlp flatten(784)-dense128-relu-dropout${DROPOUT}-dense${FEATURE_DIM}(features)-relu-dropout${DROPOUT}-dense10-softmax`,
};

/**
 * Builds the classifier. Both stay near 106–109k parameters (≈ 430 KB of float32 weights) and
 * name their penultimate layer 'features' (FEATURE_LAYER in @dgm/core's eval/), taken after its
 * ReLU as Inception's pool features are.
 * - cnn: two 3×3 conv blocks then a 64-unit layer; needs conv training kernels (dgm registers
 *   Conv2DBackpropFilter on wasm). Convolutional features see strokes and shapes, not pixels, so
 *   FID on them tracks what a person notices better than an MLP's.
 * - mlp: 784 → 128 → 64 → 10, the fallback that trains on any backend.
 */
export function buildClassifier(
  architecture: ArchitectureName,
  imageShape: [number, number, number],
  numClasses: number,
  seed: number,
): tf.Sequential {
  const init = (offset: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed + offset });
  const model = tf.sequential({ name: 'eval_classifier' });
  if (architecture === 'cnn') {
    model.add(tf.layers.conv2d({ inputShape: imageShape, filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv1' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
    model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv2' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
    model.add(tf.layers.flatten({ name: 'flatten' }));
  } else {
    model.add(tf.layers.flatten({ inputShape: imageShape, name: 'flatten' }));
    model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(1), name: 'hidden' }));
    model.add(tf.layers.dropout({ rate: DROPOUT, seed: seed + 2, name: 'dropout_hidden' }));
  }
  model.add(tf.layers.dense({ units: FEATURE_DIM, activation: 'relu', kernelInitializer: init(3), name: 'features' }));
  model.add(tf.layers.dropout({ rate: DROPOUT, seed: seed + 4, name: 'dropout_features' }));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(5), name: 'probs' }));
  return model;
}

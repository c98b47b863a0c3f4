// The evaluation classifier: what its penultimate ('features') layer looks like decides what FID
// measures, so the architecture is recorded next to the weights (info.json `architecture`).
import * as tf from '@tensorflow/tfjs';

/** Width of the penultimate layer, i.e. the FID feature dimension. */
export const FEATURE_DIM = 64;
const HIDDEN = 128;
const DROPOUT = 0.2;

/** One-line description stored in info.json. */
export const ARCHITECTURE = `mlp flatten(784)-dense${HIDDEN}-relu-dropout${DROPOUT}-dense${FEATURE_DIM}(features)-relu-dropout${DROPOUT}-dense10-softmax`;

/**
 * A small MLP: 784 → 128 → 64 → 10, ReLU, dropout for the 8,000-image MNIST train split.
 * An MLP rather than a CNN because the wasm backend cannot train convolutions (no
 * Conv2DBackpropFilter) and the weights must stay small (≈ 109k parameters, 437 KB float32).
 * The penultimate layer is named 'features' (FEATURE_LAYER in @dgm/core's eval/) and is taken
 * after its ReLU, as Inception's pool features are.
 */
export function buildClassifier(imageShape: [number, number, number], numClasses: number, seed: number): tf.Sequential {
  const init = (offset: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed + offset });
  const model = tf.sequential({ name: 'eval_classifier' });
  model.add(tf.layers.flatten({ inputShape: imageShape, name: 'flatten' }));
  model.add(tf.layers.dense({ units: HIDDEN, activation: 'relu', kernelInitializer: init(1), name: 'hidden' }));
  model.add(tf.layers.dropout({ rate: DROPOUT, seed: seed + 2, name: 'dropout_hidden' }));
  model.add(tf.layers.dense({ units: FEATURE_DIM, activation: 'relu', kernelInitializer: init(3), name: 'features' }));
  model.add(tf.layers.dropout({ rate: DROPOUT, seed: seed + 4, name: 'dropout_features' }));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(5), name: 'probs' }));
  return model;
}

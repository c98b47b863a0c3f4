// Test critics built from stock tf.layers (an MLP critic shaped like
// mlp-gan's, a DCGAN-like conv critic: Conv2D k4 s2 + LeakyReLU 0.2, twice, then
// flatten and Dense 1) and the discriminators createModel ships (shippedCritic). Seeded
// initialisers make every run see the same weights.
import * as tf from '@tensorflow/tfjs';
import { gradientPenalty } from '../../src/losses/index.js';
import { createModel } from '../../src/models/index.js';
import type { GanModel } from '../../src/models/index.js';

/**
 * The discriminator that createModel ships for a GAN (same layers and activations as at full
 * size, only narrower); its generator is disposed, the caller disposes the returned model.
 */
export function shippedCritic(name: 'mlp-gan' | 'dcgan', options: Record<string, unknown>, weightScale = 1): tf.LayersModel {
  const model = createModel(name, { seed: 3, ...options }) as GanModel;
  model.generator.dispose();
  const critic = model.discriminator;
  if (weightScale !== 1) assignFlatWeights(critic, flatWeights(critic).map((w) => w * weightScale));
  return critic;
}

function init(seed: number) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    // Non-zero biases so their second-order gradients are exercised too.
    biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed + 1000 }),
  };
}

/** [4, 4, 1] images -> flatten -> Dense 8 -> LeakyReLU 0.2 -> Dense 1 (logits). */
export function mlpCritic(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 8, ...init(1) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.dense({ units: 1, ...init(2) }),
    ],
  });
}

/** [8, 8, 1] images -> Conv2D 4 k4 s2 -> LeakyReLU .2 -> Conv2D 8 k4 s2 -> LeakyReLU .2 -> flatten -> Dense 1. */
export function convCritic(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 4, strides: 2, padding: 'same', ...init(3) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 4, strides: 2, padding: 'same', ...init(4) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, ...init(5) }),
    ],
  });
}

/**
 * Not a shipped critic: [4, 4, 1] -> Dense 6 tanh -> Dense 6 elu -> Dense 4 sigmoid -> Dense 1. It
 * runs the activations whose stock second-order gradients are silently wrong (tanh, sigmoid) or
 * throw (elu) through tf.layers' own activation code paths.
 */
export function smoothActivationCritic(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 6, activation: 'tanh', ...init(6) }),
      tf.layers.dense({ units: 6, activation: 'elu', ...init(7) }),
      tf.layers.dense({ units: 4, activation: 'sigmoid', ...init(8) }),
      tf.layers.dense({ units: 1, ...init(9) }),
    ],
  });
}

/** The model's trainable variables, in trainableWeights order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** All trainable weights as one flat vector, in trainableWeights order. */
export function flatWeights(model: tf.LayersModel): Float32Array {
  const parts = trainableVariables(model).map((v) => v.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Writes a flat vector (as from flatWeights) back into the model's trainable variables. */
export function assignFlatWeights(model: tf.LayersModel, flat: Float32Array): void {
  let offset = 0;
  for (const v of trainableVariables(model)) {
    const values = tf.tensor(flat.subarray(offset, offset + v.size), v.shape);
    v.assign(values);
    values.dispose();
    offset += v.size;
  }
}

/** The gradient of gradientPenalty w.r.t. all trainable weights, flat, in trainableWeights order. */
export function penaltyGradient(model: tf.LayersModel, real: tf.Tensor, fake: tf.Tensor, alpha: tf.Tensor): Float32Array {
  const vars = trainableVariables(model);
  const { value, grads } = tf.variableGrads(
    () => gradientPenalty((x) => model.apply(x) as tf.Tensor, real, fake, alpha),
    vars,
  );
  // tfjs leaves out variables the result does not depend on: here only the last bias, since
  // shifting the output does not change the input gradient. Their gradient is zero.
  const parts = vars.map((v) => (grads[v.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array(v.size));
  tf.dispose([value, ...Object.values(grads)]);
  const flat = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    flat.set(p, offset);
    offset += p.length;
  }
  return flat;
}

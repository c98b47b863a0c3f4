// The two phases of a GAN step, as objectives over per-sample keyed noise.
// Both run the networks in training mode (BatchNorm uses the statistics of the batch in hand:
// per replica, like PyTorch DDP without SyncBatchNorm) and D sees real and generated samples in
// separate calls, as in the PyTorch DCGAN example. With the Trainer option `augment` every image
// D sees (real, generated, and so the penalty's interpolates) is first transformed by DiffAugment
// with per-sample draws of streams 'augment-real' and 'augment-fake'.
import * as tf from '#tfjs';
import { augmentDraws, diffAugment, type AugmentName } from '../augment/index.js';
import { gradientPenalty, type GanLoss } from '../losses/index.js';
import type { GanModel } from '../models/index.js';
import { keyedNormal, keyedUniform } from '../noise/index.js';
import type { PhaseObjective } from './phase-objective.js';

export interface StepNoise {
  seed: number;
  step: number;
  indices: Int32Array;
}

/**
 * A sub-model applied in training mode to x, and to the step's labels (int32 [n, 1]) when the
 * model is conditional (labels non-null): every conditional sub-model takes them second.
 */
export function applyWithClass(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor | null): tf.Tensor {
  return model.apply(labels === null ? x : [x, labels], { training: true }) as tf.Tensor;
}

/** x augmented with the draws of `stream`, or x itself when no transform is asked for. */
function augmented(x: tf.Tensor4D, names: readonly AugmentName[], noise: StepNoise, phase: 'd' | 'g', stream: string): tf.Tensor4D {
  if (names.length === 0) return x;
  const { seed, step, indices } = noise;
  const [, h, w] = x.shape;
  return diffAugment(x, names, augmentDraws({ seed, step, phase, stream }, indices, h, w));
}

function latent(model: GanModel, noise: StepNoise, phase: 'd' | 'g'): tf.Tensor2D {
  const { seed, step, indices } = noise;
  const values = keyedNormal({ seed, step, phase, stream: 'latent' }, indices, model.latentDim);
  return tf.tensor2d(values, [indices.length, model.latentDim]);
}

/**
 * Phase 'd' (`labels`: the batch's classes for a conditional model, else null; G draws the fakes
 * for the same classes and D judges each image with its class): loss = discriminatorLoss(D(real), D(G(z_d))) (+ gpWeight * gradientPenalty for
 * wgan-gp, with per-sample alpha from stream 'gp-alpha'). Real images arrive in [0, 1] and are
 * rescaled to the generator's [-1, 1]; G(z_d) is computed before the tape, so it is a constant
 * here (PyTorch's fake.detach()). Metrics: 'd' (without the penalty) and 'gp' (unweighted).
 */
export function discriminatorObjective(
  model: GanModel,
  ganLoss: GanLoss,
  images: tf.Tensor4D,
  noise: StepNoise,
  augment: readonly AugmentName[] = [],
  labels: tf.Tensor | null = null,
): PhaseObjective {
  const n = noise.indices.length;
  const apply = (m: tf.LayersModel, x: tf.Tensor) => applyWithClass(m, x, labels);
  const z = latent(model, noise, 'd');
  // Both of D's inputs are constants of this phase, so their augmentation happens off the tape.
  const fake = tf.tidy(() => augmented(apply(model.generator, z) as tf.Tensor4D, augment, noise, 'd', 'augment-fake'));
  const real = tf.tidy(() => augmented(tf.sub(tf.mul(images, 2), 1) as tf.Tensor4D, augment, noise, 'd', 'augment-real'));
  const owned: tf.Tensor[] = [z, fake, real];
  let alpha: tf.Tensor | null = null;
  if (ganLoss.gpWeight > 0) {
    const { seed, step, indices } = noise;
    alpha = tf.tensor4d(keyedUniform({ seed, step, phase: 'd', stream: 'gp-alpha' }, indices, 1), [n, 1, 1, 1]);
    owned.push(alpha);
  }
  const kept: Record<string, tf.Tensor> = {};
  return {
    lossName: 'd',
    kept,
    owned,
    loss: () => {
      const adversarial = ganLoss.discriminatorLoss(apply(model.discriminator, real), apply(model.discriminator, fake));
      kept.d = tf.keep(adversarial);
      if (alpha === null) return adversarial;
      const penalty = gradientPenalty((x) => apply(model.discriminator, x), real, fake, alpha);
      kept.gp = tf.keep(penalty);
      return tf.add(adversarial, tf.mul(penalty, ganLoss.gpWeight)) as tf.Scalar;
    },
  };
}

/**
 * Phase 'g': loss = generatorLoss(D(aug(G(z_g)))) with its own latent (phase 'g'); aug is the
 * identity without `augment`, else differentiable, so G's gradient passes through it. A
 * conditional model draws and judges for `labels`, as in phase 'd'. Metric: 'g'.
 */
export function generatorObjective(
  model: GanModel,
  ganLoss: GanLoss,
  noise: StepNoise,
  augment: readonly AugmentName[] = [],
  labels: tf.Tensor | null = null,
): PhaseObjective {
  const apply = (m: tf.LayersModel, x: tf.Tensor) => applyWithClass(m, x, labels);
  const z = latent(model, noise, 'g');
  return {
    lossName: 'g',
    kept: {},
    owned: [z],
    loss: () =>
      ganLoss.generatorLoss(apply(model.discriminator, augmented(apply(model.generator, z) as tf.Tensor4D, augment, noise, 'g', 'augment-fake'))),
  };
}

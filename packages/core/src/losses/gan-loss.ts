// The GAN objectives dgm trains with. Every loss below is a MEAN OVER SAMPLES OF PER-SAMPLE
// TERMS, with no coupling between samples (no batch statistics, no sorting, no normalising by a
// batch-dependent quantity). The distributed runtime depends on this: each worker computes the
// mean over its own slice, and the coordinator's sample-count-weighted average of those means is
// then exactly the mean over the global batch, so 1, 2 or 3 workers follow the same trajectory.
// All losses take the discriminator's raw outputs (logits); none applies a sigmoid first.
import * as tf from '#tfjs';
import { registerSecondOrderGradients } from '../ops/index.js';
import { LossInputError } from './errors.js';
import { sigmoidCrossEntropy } from './sigmoid-cross-entropy.js';
import { checkBatchTensor } from './tensor-checks.js';

import { GAN_LOSS_NAMES, type GanLossName } from '../names.js';

export type { GanLossName } from '../names.js';

/** Every GAN loss name createGanLoss accepts (names.ts's GAN_LOSS_NAMES). */
export const ganLossNames: readonly GanLossName[] = GAN_LOSS_NAMES;

export interface GanLossOptions {
  /** One-sided label smoothing s: the discriminator's real target becomes 1 - s (minimax, non-saturating, lsgan). Default 0. */
  labelSmoothing?: number;
  /** Weight of the gradient penalty (wgan-gp only). Default 10. */
  gpWeight?: number;
  /** Discriminator (critic) updates per generator update. Default 5 for wgan-gp, 1 otherwise. */
  nCritic?: number;
}

export interface GanLoss {
  name: GanLossName;
  nCritic: number;
  /** Weight the Trainer gives gradientPenalty in the critic's loss; 0 unless wgan-gp. */
  gpWeight: number;
  /** Discriminator (critic) loss from its logits on real and on generated images: a mean over samples. */
  discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  /** Generator loss from the discriminator's logits on generated images: a mean over samples. */
  generatorLoss(fakeLogits: tf.Tensor): tf.Scalar;
}

const optionNames = ['labelSmoothing', 'gpWeight', 'nCritic'] as const;
const smoothable: readonly GanLossName[] = ['minimax', 'non-saturating', 'lsgan'];

/**
 * Creates the named GAN loss. minimax and non-saturating share the discriminator's binary
 * cross-entropy and differ in the generator's (minimise log(1 - D(G(z))) versus -log D(G(z)));
 * lsgan uses least squares with targets 1 and 0; hinge and wgan-gp use the critic's raw score.
 * Also installs the twice-differentiable gradients a gradient penalty needs.
 */
export function createGanLoss(name: GanLossName, options: GanLossOptions = {}): GanLoss {
  if (!(ganLossNames as readonly string[]).includes(name)) {
    throw new LossInputError(`Unknown GAN loss ${JSON.stringify(name)}; allowed: ${ganLossNames.join(', ')}.`);
  }
  const opts = checkOptions(name, options);
  registerSecondOrderGradients();
  const labelSmoothing = opts.labelSmoothing ?? 0;
  const realTarget = 1 - labelSmoothing;
  const nCritic = opts.nCritic ?? (name === 'wgan-gp' ? 5 : 1);
  const gpWeight = name === 'wgan-gp' ? (opts.gpWeight ?? 10) : 0;

  let d: (r: tf.Tensor, f: tf.Tensor) => tf.Tensor;
  let g: (f: tf.Tensor) => tf.Tensor;
  switch (name) {
    case 'minimax':
    case 'non-saturating':
      // D: -log D(x) - log(1 - D(G(z))), with the real target softened to 1 - s.
      d = (r, f) => tf.add(tf.mean(sigmoidCrossEntropy(r, realTarget)), tf.mean(tf.softplus(f)));
      // log(1 - sigmoid(f)) = -softplus(f);  -log sigmoid(f) = softplus(-f).
      g = name === 'minimax' ? (f) => tf.neg(tf.mean(tf.softplus(f))) : (f) => tf.mean(tf.softplus(tf.neg(f)));
      break;
    case 'lsgan':
      // Mao et al. 2017 with a = 0, b = c = 1 and their factor 1/2.
      d = (r, f) => tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(r, realTarget))), tf.mean(tf.square(f))));
      g = (f) => tf.mul(0.5, tf.mean(tf.square(tf.sub(f, 1))));
      break;
    case 'hinge':
      d = (r, f) => tf.add(tf.mean(tf.relu(tf.sub(1, r))), tf.mean(tf.relu(tf.add(1, f))));
      g = (f) => tf.neg(tf.mean(f));
      break;
    case 'wgan-gp':
      // The penalty term (gpWeight * gradientPenalty) needs the critic itself; the Trainer adds it.
      d = (r, f) => tf.sub(tf.mean(f), tf.mean(r));
      g = (f) => tf.neg(tf.mean(f));
      break;
  }
  return {
    name,
    nCritic,
    gpWeight,
    discriminatorLoss(realLogits, fakeLogits) {
      checkBatchTensor(realLogits, `${name} discriminatorLoss realLogits`);
      checkBatchTensor(fakeLogits, `${name} discriminatorLoss fakeLogits`);
      return tf.tidy(() => d(realLogits, fakeLogits) as tf.Scalar);
    },
    generatorLoss(fakeLogits) {
      checkBatchTensor(fakeLogits, `${name} generatorLoss fakeLogits`);
      return tf.tidy(() => g(fakeLogits) as tf.Scalar);
    },
  };
}

function checkOptions(name: GanLossName, options: unknown): GanLossOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LossInputError(`GAN loss options must be an object with any of ${optionNames.join(', ')}.`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(optionNames as readonly string[]).includes(key)) {
      throw new LossInputError(`Unknown GAN loss option ${JSON.stringify(key)}; allowed: ${optionNames.join(', ')}.`);
    }
  }
  const { labelSmoothing, gpWeight, nCritic } = o;
  if (labelSmoothing !== undefined) {
    if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new LossInputError(`labelSmoothing must be a number in [0, 1), got ${String(labelSmoothing)}.`);
    }
    if (labelSmoothing > 0 && !smoothable.includes(name)) {
      throw new LossInputError(
        `labelSmoothing applies only to ${smoothable.join(', ')} (targets 1 and 0), not to ${name}.`,
      );
    }
  }
  if (gpWeight !== undefined) {
    if (name !== 'wgan-gp') throw new LossInputError(`gpWeight applies only to wgan-gp, not to ${name}.`);
    if (typeof gpWeight !== 'number' || !Number.isFinite(gpWeight) || gpWeight < 0) {
      throw new LossInputError(`gpWeight must be a finite number >= 0, got ${String(gpWeight)}.`);
    }
  }
  if (nCritic !== undefined && (typeof nCritic !== 'number' || !Number.isInteger(nCritic) || nCritic < 1)) {
    throw new LossInputError(`nCritic must be an integer >= 1, got ${String(nCritic)}.`);
  }
  return o as GanLossOptions;
}

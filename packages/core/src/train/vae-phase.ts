// The single phase of a VAE step: the negative ELBO (beta-weighted) with the
// reparameterisation z = mean + exp(logVar / 2) * eps, eps keyed per sample (stream 'eps').
import * as tf from '#tfjs';
import { vaeLoss } from '../losses/index.js';
import type { VaeModel } from '../models/index.js';
import { keyedNormal, keyedUniform } from '../noise/index.js';
import { applyWithClass, type StepNoise } from './gan-phases.js';
import type { PhaseObjective } from './phase-objective.js';

/**
 * With binarize 'dynamic' (Bernoulli likelihood), every step draws x_bin = (u < x) with u keyed
 * per sample and pixel (stream 'binarize'), and x_bin is both the encoder input and the target:
 * the usual dynamically binarised MNIST of the VAE literature. Metrics: 'vae' (the optimised
 * loss, recon + beta * kl), 'recon', 'kl', and 'elbo' = -(recon + kl) (nats per sample).
 * A conditional model's encoder and decoder both see the sample's class (`labels`, else null).
 */
export function vaeObjective(model: VaeModel, binarize: 'dynamic' | 'none', images: tf.Tensor4D, noise: StepNoise, labels: tf.Tensor | null = null): PhaseObjective {
  const { seed, step, indices } = noise;
  const n = indices.length;
  const owned: tf.Tensor[] = [];
  let x: tf.Tensor = images;
  if (binarize === 'dynamic') {
    const pixels = model.imageShape[0] * model.imageShape[1] * model.imageShape[2];
    const u = keyedUniform({ seed, step, phase: 'vae', stream: 'binarize' }, indices, pixels);
    x = tf.tidy(() => tf.cast(tf.less(tf.tensor4d(u, [n, ...model.imageShape]), images), 'float32'));
    owned.push(x);
  }
  const eps = tf.tensor2d(keyedNormal({ seed, step, phase: 'vae', stream: 'eps' }, indices, model.latentDim), [n, model.latentDim]);
  owned.push(eps);
  const kept: Record<string, tf.Tensor> = {};
  return {
    lossName: 'vae',
    kept,
    owned,
    loss: () => {
      const [mean, logVar] = applyWithClass(model.encoder, x, labels) as unknown as tf.Tensor[];
      const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
      const out = applyWithClass(model.decoder, z, labels);
      const terms = vaeLoss(x, out, mean, logVar, { beta: model.beta, likelihood: model.likelihood });
      kept.recon = tf.keep(terms.reconstruction);
      kept.kl = tf.keep(terms.kl);
      return terms.loss;
    },
  };
}

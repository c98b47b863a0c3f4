import * as tf from '#tfjs';
import { LossInputError } from './errors.js';
import { sigmoidCrossEntropy } from './sigmoid-cross-entropy.js';
import { checkBatchTensor, checkSameShape } from './tensor-checks.js';
import { VAE_LIKELIHOODS, type VaeLikelihood } from '../names.js';

export type { VaeLikelihood } from '../names.js';

export interface VaeLossOptions {
  /** Weight of the KL term (beta-VAE, Higgins et al. 2017); 1 gives the plain negative ELBO. */
  beta: number;
  likelihood: VaeLikelihood;
}

export interface VaeLossTerms {
  /** reconstruction + beta * kl. */
  loss: tf.Scalar;
  /** -E_q[log p(x|z)] for the one z sampled per image, in nats. */
  reconstruction: tf.Scalar;
  /** KL(q(z|x) || N(0, I)) in nats. */
  kl: tf.Scalar;
}

const likelihoods: readonly VaeLikelihood[] = VAE_LIKELIHOODS;

/** 0.5 * log(2 pi): the normalising constant of a unit-variance Gaussian, per pixel, in nats. */
const halfLogTwoPi = 0.5 * Math.log(2 * Math.PI);

/**
 * The negative ELBO of a VAE with a diagonal Gaussian posterior q(z|x) = N(mean, exp(logVar))
 * and a N(0, I) prior, each term summed over its pixels or latents per sample and then averaged
 * over samples (a mean of per-sample terms, so shards average to the global batch's value).
 *
 * - bernoulli: decoderOut are logits; -log p(x|z) = softplus(l) - x * l per pixel, which is exact
 *   for binary x and the usual cross-entropy for grey levels in [0, 1].
 * - gaussian: decoderOut are means mu; p(x|z) = N(mu, 1) per pixel, so
 *   -log p(x|z) = 0.5 * (x - mu)^2 + 0.5 * log(2 pi). The variance is fixed at 1 (no learned or
 *   tuned sigma): a fixed sigma^2 is equivalent, up to a constant and an overall scale, to sigma^2 = 1
 *   with beta multiplied by sigma^2, so beta already covers that choice. The constant is kept so
 *   the value is a true negative log-likelihood.
 * - kl: 0.5 * sum_j (exp(logVar_j) + mean_j^2 - 1 - logVar_j), in closed form.
 */
export function vaeLoss(
  x: tf.Tensor,
  decoderOut: tf.Tensor,
  mean: tf.Tensor,
  logVar: tf.Tensor,
  opts: VaeLossOptions,
): VaeLossTerms {
  checkBatchTensor(x, 'vaeLoss x');
  checkBatchTensor(decoderOut, 'vaeLoss decoderOut');
  checkSameShape(x, decoderOut, 'vaeLoss x', 'decoderOut');
  checkBatchTensor(mean, 'vaeLoss mean', 2);
  checkBatchTensor(logVar, 'vaeLoss logVar', 2);
  checkSameShape(mean, logVar, 'vaeLoss mean', 'logVar');
  if (mean.shape[0] !== x.shape[0]) {
    throw new LossInputError(
      `vaeLoss mean and x must hold the same number of samples, got ${mean.shape[0]} and ${x.shape[0]}.`,
    );
  }
  if (opts === null || typeof opts !== 'object') {
    throw new LossInputError('vaeLoss options must be an object { beta, likelihood }.');
  }
  const { beta, likelihood } = opts;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) {
    throw new LossInputError(`vaeLoss beta must be a finite number >= 0, got ${String(beta)}.`);
  }
  if (!likelihoods.includes(likelihood)) {
    throw new LossInputError(`vaeLoss likelihood must be one of ${likelihoods.join(', ')}, got ${JSON.stringify(likelihood)}.`);
  }
  return tf.tidy(() => {
    const pixelTerms =
      likelihood === 'bernoulli'
        ? sigmoidCrossEntropy(decoderOut, x)
        : tf.add(tf.mul(0.5, tf.square(tf.sub(x, decoderOut))), halfLogTwoPi);
    const reconstruction = meanOfSampleSums(pixelTerms);
    const klTerms = tf.mul(0.5, tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(1, logVar)));
    const kl = meanOfSampleSums(klTerms);
    const loss = tf.add(reconstruction, tf.mul(beta, kl)) as tf.Scalar;
    return { loss, reconstruction, kl };
  });
}

/** Sums every axis but the first, then averages over samples. */
function meanOfSampleSums(t: tf.Tensor): tf.Scalar {
  const perSample = t.rank > 1 ? tf.sum(t, Array.from({ length: t.rank - 1 }, (_, i) => i + 1)) : t;
  return tf.mean(perSample) as tf.Scalar;
}

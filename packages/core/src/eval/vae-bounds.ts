import * as tf from '#tfjs';
import type { ImageSet } from '../data/index.js';
import { vaeLoss } from '../losses/index.js';
import type { VaeModel } from '../models/index.js';
import { keyedNormal, keyedUniform, type NoiseKey } from '../noise/index.js';
import { EvalInputError } from './errors.js';

/** Options of evaluateVae. */
export interface VaeEvaluationOptions {
  /** Importance samples per image for the IWAE bound; omit (or 0) to skip it. */
  k?: number;
  /** Seed of the binarisation and of every latent sample (default 0). */
  seed?: number;
  /** Images per forward pass (default 250). */
  batchSize?: number;
  /**
   * A conditional model's labels of the test images (the bounds are then of log p(x | y)); taken
   * from the ImageSet's own labels when omitted.
   */
  labels?: ArrayLike<number>;
}

/** Test-set bounds of a VAE, per image, in nats, always with β = 1. */
export interface VaeEvaluation {
  /** Images evaluated. */
  count: number;
  /** Mean ELBO = −reconstruction − kl (one latent sample per image, analytic KL). −elbo is the benchmark number. */
  elbo: number;
  /** Mean −log p(x|z) for the sampled z. */
  reconstruction: number;
  /** Mean KL(q(z|x) ‖ N(0, I)), in closed form. */
  kl: number;
  /** Mean importance-weighted bound log (1/k) Σ_j p(x, z_j) / q(z_j|x) (Burda et al. 2016), when k was given. */
  iwae?: number;
  /** The k of `iwae`. */
  k?: number;
  /** Whether the images were binarised (Bernoulli likelihood) before scoring. */
  binarized: boolean;
  seed: number;
}

/**
 * Noise keys of the evaluation. phase 'eval' never occurs in training, so evaluation noise can
 * never coincide with a training step's; step is 0 so the same seed gives the same test set.
 */
function evalKey(seed: number, stream: string): NoiseKey {
  return { seed, step: 0, phase: 'eval', stream };
}

/**
 * Test-set ELBO (and optionally the IWAE bound) of a VAE, per image, in nats, with β = 1 whatever
 * β the model was trained with, so models trained with different β compare on one scale.
 *
 * Bernoulli models are scored on BINARISED images (a Bernoulli likelihood of grey levels is not a
 * probability of anything): pixel p of image i becomes 1 iff u < x, where u is
 * keyedUniform({ seed, step: 0, phase: 'eval', stream: 'binarize' }, [i], pixels)[p] and i is the
 * image's position in `images`. Each image is thus binarised once, identically on every call
 * with the same seed, whatever the batch size (the fixed binarisation of Burda et al.).
 * Gaussian models are scored on the grey levels with vaeLoss's N(mean, 1) pixel density.
 *
 * The latent sample of image i for the ELBO is ε from stream 'eps'; the j-th importance sample is
 * ε from stream `iwae:<j>`, so IWAE with k samples extends the one with fewer. log-mean-exp over
 * the k weights is taken in float64 after subtracting the largest, so it cannot overflow.
 */
export async function evaluateVae(
  model: VaeModel,
  images: tf.Tensor4D | ImageSet,
  options: VaeEvaluationOptions = {},
): Promise<VaeEvaluation> {
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 250;
  const k = options.k ?? 0;
  if (model === null || typeof model !== 'object' || model.family !== 'vae') {
    throw new EvalInputError('evaluateVae needs a VAE model (family "vae") from createModel.');
  }
  if (!Number.isInteger(seed) || seed < 0) throw new EvalInputError(`seed must be a non-negative integer; got ${seed}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EvalInputError(`batchSize must be a positive integer; got ${batchSize}.`);
  if (!Number.isInteger(k) || k < 0 || k > 100_000) {
    throw new EvalInputError(`k (importance samples) must be an integer from 0 (no IWAE) to 100000; got ${k}.`);
  }
  const shape = images instanceof tf.Tensor ? images.shape.slice(1) : images.imageShape;
  const count = images instanceof tf.Tensor ? images.shape[0] : images.count;
  if (images instanceof tf.Tensor && images.rank !== 4) {
    throw new EvalInputError(`Test images must be a rank-4 [n,h,w,c] tensor; got shape [${images.shape.join(',')}].`);
  }
  if (shape.join() !== model.imageShape.join()) {
    throw new EvalInputError(`The model takes ${model.imageShape.join('x')} images; the test images are ${shape.join('x')}.`);
  }
  if (count < 1) throw new EvalInputError('evaluateVae needs at least one test image.');
  const labels = !model.classes ? null : testLabels(model.classes, images, count, options.labels);
  const binarized = model.likelihood === 'bernoulli';
  const pixels = shape[0] * shape[1] * shape[2];
  const latent = model.latentDim;

  let reconstructionSum = 0;
  let klSum = 0;
  let iwaeSum = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const indices = Int32Array.from({ length: n }, (_, i) => start + i);
    const raw = images instanceof tf.Tensor ? images.slice([start, 0, 0, 0], [n, -1, -1, -1]) : images.batch(indices);
    try {
      await checkUnitRange(raw, start);
    } catch (error) {
      raw.dispose();
      throw error;
    }
    let x = raw;
    if (binarized) {
      x = binarize(raw, keyedUniform(evalKey(seed, 'binarize'), indices, pixels));
      raw.dispose();
    }
    // A conditional model's encoder and decoder take each image's class second.
    const y = labels === null ? null : tf.tensor2d(labels.subarray(start, start + n), [n, 1], 'int32');
    const withClass = (t: tf.Tensor): tf.Tensor | tf.Tensor[] => (y === null ? t : [t, y]);
    try {
      const [mean, logVar] = model.encoder.predict(withClass(x)) as tf.Tensor2D[];
      try {
        const terms = tf.tidy(() => {
          const eps = tf.tensor2d(keyedNormal(evalKey(seed, 'eps'), indices, latent), [n, latent]);
          const z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps));
          const out = model.decoder.predict(withClass(z)) as tf.Tensor;
          const { reconstruction, kl, loss } = vaeLoss(x, out, mean, logVar, { beta: 1, likelihood: model.likelihood });
          loss.dispose();
          return tf.stack([reconstruction, kl]);
        });
        const [reconstruction, kl] = await terms.data();
        terms.dispose();
        reconstructionSum += reconstruction * n;
        klSum += kl * n;
        if (k > 0) iwaeSum += await iwaeBatchSum(model, x, mean, logVar, indices, seed, k, y);
      } finally {
        tf.dispose([mean, logVar]);
      }
    } finally {
      x.dispose();
      y?.dispose();
    }
  }
  const reconstruction = reconstructionSum / count;
  const kl = klSum / count;
  const result: VaeEvaluation = { count, elbo: -(reconstruction + kl), reconstruction, kl, binarized, seed };
  if (k > 0) {
    result.iwae = iwaeSum / count;
    result.k = k;
  }
  return result;
}

/** The labels of every test image for a conditional model with `classes` classes, checked. */
function testLabels(classes: number, images: tf.Tensor4D | ImageSet, count: number, given: ArrayLike<number> | undefined): Int32Array {
  let labels: ArrayLike<number> | undefined = given;
  if (labels === undefined && !(images instanceof tf.Tensor) && images.labels !== undefined) labels = images.labels;
  if (labels === undefined || labels.length !== count) {
    throw new EvalInputError(`This conditional VAE needs the class of each of the ${count} test images (options.labels, or an image set with labels).`);
  }
  const out = Int32Array.from(labels);
  for (const label of out) {
    if (!(label >= 0 && label < classes)) throw new EvalInputError(`Test labels must be classes in [0, ${classes}) for this conditional VAE; got ${label}.`);
  }
  return out;
}

/** x > u ? 1 : 0 elementwise (u holds one uniform row per image). */
function binarize(x: tf.Tensor4D, uniform: Float32Array): tf.Tensor4D {
  return tf.tidy(() => tf.cast(tf.greater(x, tf.tensor(uniform, x.shape)), 'float32') as tf.Tensor4D);
}

/** Refuses images outside [0,1] (what every VAE in dgm is trained on). */
async function checkUnitRange(x: tf.Tensor, start: number): Promise<void> {
  const range = tf.tidy(() => tf.stack([tf.min(x), tf.max(x)]));
  const [lo, hi] = await range.data();
  range.dispose();
  if (!(lo >= 0 && hi <= 1)) {
    throw new EvalInputError(
      `Test images must hold values in [0,1]; the batch starting at image ${start} ranges from ${lo} to ${hi}.`,
    );
  }
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Rows per decoder call when drawing importance samples (several samples j per call). */
const IWAE_ROWS_PER_CALL = 4096;

/** Σ_i log (1/k) Σ_j w_ij over one batch, with log w = log p(x|z) + log p(z) − log q(z|x). */
async function iwaeBatchSum(
  model: VaeModel,
  x: tf.Tensor4D,
  mean: tf.Tensor2D,
  logVar: tf.Tensor2D,
  indices: Int32Array,
  seed: number,
  k: number,
  labels: tf.Tensor | null,
): Promise<number> {
  const n = indices.length;
  const latent = model.latentDim;
  const logWeights = new Float64Array(n * k); // [i][j]
  // Several samples per decoder call keep calls few when n is small and k large.
  const perCall = Math.max(1, Math.min(k, Math.floor(IWAE_ROWS_PER_CALL / n)));
  for (let j0 = 0; j0 < k; j0 += perCall) {
    const m = Math.min(perCall, k - j0);
    const noise = new Float32Array(m * n * latent); // rows ordered (j, i)
    for (let j = 0; j < m; j++) noise.set(keyedNormal(evalKey(seed, `iwae:${j0 + j}`), indices, latent), j * n * latent);
    const logW = tf.tidy(() => {
      const eps = tf.tensor2d(noise, [m * n, latent]);
      const tiledLogVar = tf.tile(logVar, [m, 1]);
      const z = tf.add(tf.tile(mean, [m, 1]), tf.mul(tf.exp(tf.mul(0.5, tiledLogVar)), eps));
      const decoderInput = labels === null ? z : [z, tf.tile(labels, [m, 1])];
      const out = tf.reshape(model.decoder.predict(decoderInput) as tf.Tensor, [m * n, -1]);
      const flatX = tf.tile(tf.reshape(x, [n, -1]), [m, 1]);
      // log p(x|z) summed over pixels: x·l − softplus(l) for logits l, or N(x; μ, 1).
      const logPx =
        model.likelihood === 'bernoulli'
          ? tf.sum(tf.sub(tf.mul(flatX, out), tf.softplus(out)), 1)
          : tf.sub(tf.mul(-0.5, tf.sum(tf.square(tf.sub(flatX, out)), 1)), (flatX.size / (m * n)) * HALF_LOG_TWO_PI);
      // log p(z) − log q(z|x) = −½ Σ (z² − ε² − logVar); the 2π constants cancel.
      const logPriorOverPosterior = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.square(z), tf.square(eps)), tiledLogVar), 1));
      return tf.add(logPx, logPriorOverPosterior);
    });
    const values = await logW.data();
    logW.dispose();
    for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) logWeights[i * k + j0 + j] = values[j * n + i];
  }
  // log-mean-exp per image in float64, shifted by its largest weight so exp cannot overflow.
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let largest = -Infinity;
    for (let j = 0; j < k; j++) largest = Math.max(largest, logWeights[i * k + j]);
    let total = 0;
    for (let j = 0; j < k; j++) total += Math.exp(logWeights[i * k + j] - largest);
    sum += largest + Math.log(total / k);
  }
  return sum;
}

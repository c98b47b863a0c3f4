// vae: the fully connected VAE of Kingma & Welling (2014), 784-400-20 by default.
// encoder: x -> Flatten -> [Dense(h, relu)]* -> { Dense(latent) = mean, Dense(latent) = logVar }
// decoder: z -> [Dense(h, relu)]* (mirrored) -> Dense(h*w*c) -> Reshape; the last Dense is
// linear (Bernoulli logits) or sigmoid (Gaussian means in (0, 1)).
// Option `conditional` gives both a class input (conditioning.ts): the encoder joins a class
// embedding to the flattened image, the decoder to z.
import * as tf from '#tfjs';
import { commonDefaults, CONDITIONAL_FIELDS, DENSE_COMMON, intListField, VAE_FIELDS } from './common-options.js';
import { classInput, conditioningOptions, joinClassEmbedding, readConditioning } from './conditioning.js';
import { glorotKernel } from './initializers.js';
import { vaeModel } from './model-record.js';
import { readModelOptions } from './model-options.js';
import type { VaeModel } from './types.js';

/** vae's options, in the order they are checked and listed. */
export const MLP_VAE_FIELDS = { ...DENSE_COMMON, ...VAE_FIELDS, hidden: intListField(1, 8192, 8), ...CONDITIONAL_FIELDS };
export const MLP_VAE_OPTIONS = Object.keys(MLP_VAE_FIELDS);

/** Builds vae; `hidden` sizes the encoder's hidden layers (default [400]), the decoder mirrors them. */
export function buildVae(raw: Record<string, unknown>): VaeModel {
  const opts = readModelOptions('vae', MLP_VAE_FIELDS, raw);
  const { latentDim, imageShape, seed } = commonDefaults(opts, 20);
  const beta = opts.beta ?? 1;
  const likelihood = opts.likelihood ?? 'bernoulli';
  const hidden = opts.hidden ?? [400];
  const classes = readConditioning('vae', opts);
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const apply = (layer: tf.layers.Layer, t: tf.SymbolicTensor) => layer.apply(t) as tf.SymbolicTensor;
  const dense = (units: number, name: string, activation?: 'relu' | 'sigmoid') =>
    tf.layers.dense({ units, name, activation, kernelInitializer: glorotKernel(seed, name) });

  const x = tf.input({ shape: imageShape, name: 'enc_image' });
  const xLabel = classes === null ? null : classInput('enc');
  let e = apply(tf.layers.flatten({ name: 'enc_flatten' }), x);
  if (xLabel !== null) e = joinClassEmbedding(e, xLabel, 'enc', classes as number, latentDim, seed);
  hidden.forEach((units, k) => {
    e = apply(dense(units, `enc_dense${k + 1}`, 'relu'), e);
  });
  const mean = apply(dense(latentDim, 'enc_mean'), e);
  const logVar = apply(dense(latentDim, 'enc_logvar'), e);
  const encoder = tf.model({ inputs: xLabel === null ? x : [x, xLabel], outputs: [mean, logVar], name: 'encoder' });

  const z = tf.input({ shape: [latentDim], name: 'dec_z' });
  const zLabel = classes === null ? null : classInput('dec');
  let o = zLabel === null ? z : joinClassEmbedding(z, zLabel, 'dec', classes as number, latentDim, seed);
  [...hidden].reverse().forEach((units, k) => {
    o = apply(dense(units, `dec_dense${k + 1}`, 'relu'), o);
  });
  o = apply(dense(pixels, 'dec_out', likelihood === 'gaussian' ? 'sigmoid' : undefined), o);
  o = apply(tf.layers.reshape({ targetShape: imageShape, name: 'dec_image' }), o);
  const decoder = tf.model({ inputs: zLabel === null ? z : [z, zLabel], outputs: o, name: 'decoder' });

  return vaeModel('vae', latentDim, imageShape, beta, likelihood, encoder, decoder, {
    latentDim,
    imageShape,
    seed,
    beta,
    likelihood,
    hidden,
    ...conditioningOptions(classes),
  });
}

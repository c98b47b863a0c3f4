// conv-vae: a convolutional VAE with the same two stride-2 blocks as dcgan.
// encoder: x -> Conv2D(w, 4, 2, same, relu) -> Conv2D(2w, 4, 2, same, relu) -> Flatten
//            -> { Dense(latent) = mean, Dense(latent) = logVar }
// decoder: z -> Dense(s*s*2w, relu) -> Reshape(s, s, 2w) -> Conv2DTranspose(w, 4, 2, same, relu)
//            -> Conv2DTranspose(c, 4, 2, same) linear (Bernoulli logits) or sigmoid (Gaussian means)
// with s = 7 (28x28) or 8 (32x32) and w = width (default 32: the 32/64 filters of the
// TensorFlow CVAE tutorial).
// Option `conditional` gives both a class input (conditioning.ts): the encoder joins a class
// embedding to its flattened conv features, the decoder to z.
import * as tf from '#tfjs';
import { intIn } from '../schema/option-fields.js';
import { commonDefaults, CONDITIONAL_FIELDS, CONV_COMMON, VAE_FIELDS } from './common-options.js';
import { classInput, conditioningOptions, joinClassEmbedding, readConditioning } from './conditioning.js';
import { glorotKernel } from './initializers.js';
import { vaeModel } from './model-record.js';
import { readModelOptions } from './model-options.js';
import type { VaeModel } from './types.js';

/** conv-vae's options, in the order they are checked and listed. */
export const CONV_VAE_FIELDS = { ...CONV_COMMON, ...VAE_FIELDS, width: intIn(1, 1024), ...CONDITIONAL_FIELDS };
export const CONV_VAE_OPTIONS = Object.keys(CONV_VAE_FIELDS);

/** Builds conv-vae for 28x28 or 32x32 images with 1 or 3 channels. */
export function buildConvVae(raw: Record<string, unknown>): VaeModel {
  const opts = readModelOptions('conv-vae', CONV_VAE_FIELDS, raw);
  const { latentDim, imageShape, seed } = commonDefaults(opts, 20);
  const beta = opts.beta ?? 1;
  const likelihood = opts.likelihood ?? 'bernoulli';
  const width = opts.width ?? 32;
  const classes = readConditioning('conv-vae', opts);
  const side = imageShape[0] / 4;
  const apply = (layer: tf.layers.Layer, t: tf.SymbolicTensor) => layer.apply(t) as tf.SymbolicTensor;
  const conv = (filters: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', name, kernelInitializer: glorotKernel(seed, name) });
  const convT = (filters: number, name: string, activation?: 'relu' | 'sigmoid') =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 4, strides: 2, padding: 'same', activation, name, kernelInitializer: glorotKernel(seed, name) });
  const dense = (units: number, name: string, activation?: 'relu') =>
    tf.layers.dense({ units, name, activation, kernelInitializer: glorotKernel(seed, name) });

  const x = tf.input({ shape: imageShape, name: 'enc_image' });
  let e = apply(conv(width, 'enc_conv1'), x);
  e = apply(conv(2 * width, 'enc_conv2'), e);
  e = apply(tf.layers.flatten({ name: 'enc_flatten' }), e);
  const xLabel = classes === null ? null : classInput('enc');
  if (xLabel !== null) e = joinClassEmbedding(e, xLabel, 'enc', classes as number, latentDim, seed);
  const mean = apply(dense(latentDim, 'enc_mean'), e);
  const logVar = apply(dense(latentDim, 'enc_logvar'), e);
  const encoder = tf.model({ inputs: xLabel === null ? x : [x, xLabel], outputs: [mean, logVar], name: 'encoder' });

  const z = tf.input({ shape: [latentDim], name: 'dec_z' });
  const zLabel = classes === null ? null : classInput('dec');
  let o = apply(dense(side * side * 2 * width, 'dec_project', 'relu'), zLabel === null ? z : joinClassEmbedding(z, zLabel, 'dec', classes as number, latentDim, seed));
  o = apply(tf.layers.reshape({ targetShape: [side, side, 2 * width], name: 'dec_reshape' }), o);
  o = apply(convT(width, 'dec_up1', 'relu'), o);
  o = apply(convT(imageShape[2], 'dec_out', likelihood === 'gaussian' ? 'sigmoid' : undefined), o);
  const decoder = tf.model({ inputs: zLabel === null ? z : [z, zLabel], outputs: o, name: 'decoder' });

  return vaeModel('conv-vae', latentDim, imageShape, beta, likelihood, encoder, decoder, {
    latentDim,
    imageShape,
    seed,
    beta,
    likelihood,
    width,
    ...conditioningOptions(classes),
  });
}

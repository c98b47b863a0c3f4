// mlp-gan: the fully connected GAN of Goodfellow et al. (2014) in its common modern form.
// G: z -> [Dense(h) -> LeakyReLU(0.2)]* -> Dense(h*w*c, tanh) -> Reshape.
// D: image -> Flatten -> [Dense(h) -> LeakyReLU(0.2)]* -> Dense(1) (logits).
// Option `ema` (0 = none) adds sub-model 'generator_ema', the moving average of G's weights that
// samples use (generator-ema.ts). Option `conditional` gives G and D a class input
// (conditioning.ts: G joins a class embedding to z, D is a projection discriminator).
import * as tf from '#tfjs';
import { commonDefaults, CONDITIONAL_FIELDS, DENSE_COMMON, GAN_FIELDS, intListField } from './common-options.js';
import { classInput, conditioningOptions, joinClassEmbedding, projectClass, readConditioning } from './conditioning.js';
import { buildGeneratorEma } from './generator-ema.js';
import { glorotKernel } from './initializers.js';
import { ganModel } from './model-record.js';
import { readModelOptions } from './model-options.js';
import type { GanModel } from './types.js';

/** mlp-gan's options, in the order they are checked and listed. */
export const MLP_GAN_FIELDS = {
  ...DENSE_COMMON,
  ...GAN_FIELDS,
  hidden: intListField(1, 8192, 8),
  discriminatorHidden: intListField(1, 8192, 8),
  ...CONDITIONAL_FIELDS,
};
export const MLP_GAN_OPTIONS = Object.keys(MLP_GAN_FIELDS);

/** Builds mlp-gan; `hidden` sizes G's hidden layers (default [256]), D mirrors them unless `discriminatorHidden` is given. */
export function buildMlpGan(raw: Record<string, unknown>): GanModel {
  const opts = readModelOptions('mlp-gan', MLP_GAN_FIELDS, raw);
  const { latentDim, imageShape, seed } = commonDefaults(opts, 100);
  const hidden = opts.hidden ?? [256];
  const discriminatorHidden = opts.discriminatorHidden ?? [...hidden].reverse();
  const ema = opts.ema ?? 0;
  const classes = readConditioning('mlp-gan', opts);
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];

  const buildGenerator = (modelName: string): tf.LayersModel => {
    const z = tf.input({ shape: [latentDim], name: 'g_z' });
    const label = classes === null ? null : classInput('g');
    let g: tf.SymbolicTensor = label === null ? z : joinClassEmbedding(z, label, 'g', classes as number, latentDim, seed);
    hidden.forEach((units, k) => {
      const name = `g_dense${k + 1}`;
      g = tf.layers.dense({ units, name, kernelInitializer: glorotKernel(seed, name) }).apply(g) as tf.SymbolicTensor;
      g = tf.layers.leakyReLU({ alpha: 0.2, name: `g_lrelu${k + 1}` }).apply(g) as tf.SymbolicTensor;
    });
    g = tf.layers
      .dense({ units: pixels, activation: 'tanh', name: 'g_out', kernelInitializer: glorotKernel(seed, 'g_out') })
      .apply(g) as tf.SymbolicTensor;
    g = tf.layers.reshape({ targetShape: imageShape, name: 'g_image' }).apply(g) as tf.SymbolicTensor;
    return tf.model({ inputs: label === null ? z : [z, label], outputs: g, name: modelName });
  };
  const generator = buildGenerator('generator');

  const x = tf.input({ shape: imageShape, name: 'd_image' });
  let d = tf.layers.flatten({ name: 'd_flatten' }).apply(x) as tf.SymbolicTensor;
  discriminatorHidden.forEach((units, k) => {
    const name = `d_dense${k + 1}`;
    d = tf.layers.dense({ units, name, kernelInitializer: glorotKernel(seed, name) }).apply(d) as tf.SymbolicTensor;
    d = tf.layers.leakyReLU({ alpha: 0.2, name: `d_lrelu${k + 1}` }).apply(d) as tf.SymbolicTensor;
  });
  const features = d;
  d = tf.layers
    .dense({ units: 1, name: 'd_logits', kernelInitializer: glorotKernel(seed, 'd_logits') })
    .apply(d) as tf.SymbolicTensor;
  const dLabel = classes === null ? null : classInput('d');
  // The projection's embedding starts at the scale of a Glorot kernel of D's last layer's fan-in.
  if (dLabel !== null) d = projectClass(d, features, dLabel, classes as number, seed, Math.sqrt(2 / ((features.shape[1] as number) + 1)));
  const discriminator = tf.model({ inputs: dLabel === null ? x : [x, dLabel], outputs: d, name: 'discriminator' });

  return ganModel(
    'mlp-gan',
    latentDim,
    imageShape,
    generator,
    discriminator,
    { latentDim, imageShape, seed, ema, hidden, discriminatorHidden, ...conditioningOptions(classes) },
    { decay: ema, generator: buildGeneratorEma(ema, generator, buildGenerator) },
  );
}

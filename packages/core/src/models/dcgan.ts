// dcgan: Radford et al. (2016), with exactly the layer sizes of the PyTorch anchor
// (tools/bench/torch/ddp_dcgan.py) at width 64 and 28x28:
//   G: z -> Dense(s*s*2w) [-> BN -> ReLU] -> Reshape(s, s, 2w) -> Conv2DTranspose(w, 4, 2, same)
//        [-> BN] -> ReLU -> {Conv2DTranspose(w, 3, 1, same) [-> BN] -> ReLU} x refine
//        -> Conv2DTranspose(c, 4, 2, same, tanh)
//   D: image -> Conv2D(w, 4, 2, same) -> LeakyReLU(0.2) -> Conv2D(2w, 4, 2, same) [-> BN]
//        -> LeakyReLU(0.2) -> Flatten -> Dense(1) (logits)
// with s = 7 for 28x28 and s = 8 for 32x32 (the same two up/down blocks, so both sizes share
// one architecture). Kernels start from N(0, 0.02) as in the paper.
// normalization defaults to 'batch', the paper's generator: BatchNorm then ReLU after every layer
// but the output (layers followed by BatchNorm drop their bias, which BatchNorm's beta makes
// redundant). 'none' is the anchor's exact network, whose projection has no activation, so its
// first two layers compose to one linear map (with BatchNorm but without that ReLU the generator
// reached only FID 45 against the floor's 2.3 after 10 epochs on mnist); it is also the network
// whose trajectory does not depend on the worker count.
// Option `refine` (default 0, the anchor's G) adds that many 3x3 stride-1 layers at G's last hidden
// resolution (the "extra layers" of the WGAN authors' DCGAN code, in G only): the anchor's G has
// just one layer between its projection and its output, and on mnist one more layer brought the
// FID of 8 epochs to where 16 had been, for about 7 % more time per epoch (BENCHMARKS.md).
// Option `ema` (0 = none) adds sub-model 'generator_ema', the moving average of G's weights that
// samples use (generator-ema.ts). Option `conditional` gives G and D a class input
// (conditioning.ts: G joins the one-hot class to z, D is a projection discriminator).
import * as tf from '#tfjs';
import { MAX_DCGAN_REFINE, NORMALIZATIONS } from '../names.js';
import { intIn, oneOf } from '../schema/option-fields.js';
import { commonDefaults, CONDITIONAL_FIELDS, CONV_COMMON, GAN_FIELDS } from './common-options.js';
import { classInput, conditioningOptions, joinOneHotClass, projectClass, readConditioning } from './conditioning.js';
import { buildGeneratorEma } from './generator-ema.js';
import { dcganKernel } from './initializers.js';
import { ganModel } from './model-record.js';
import { readModelOptions } from './model-options.js';
import type { GanModel } from './types.js';

/** dcgan's options, in the order they are checked and listed. */
export const DCGAN_FIELDS = {
  ...CONV_COMMON,
  ...GAN_FIELDS,
  width: intIn(1, 1024),
  normalization: oneOf(NORMALIZATIONS, `one of ${NORMALIZATIONS.map((c) => `'${c}'`).join(', ')}`),
  refine: intIn(0, MAX_DCGAN_REFINE),
  ...CONDITIONAL_FIELDS,
};
export const DCGAN_OPTIONS = Object.keys(DCGAN_FIELDS);

export { MAX_DCGAN_REFINE } from '../names.js';

/** BatchNorm settings of PyTorch's defaults (momentum 0.1 there is 0.9 here, eps 1e-5). */
function batchNorm(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ name, momentum: 0.9, epsilon: 1e-5 });
}

/** Builds dcgan for 28x28 or 32x32 images with 1 or 3 channels; `width` is the first conv's filters (default 64). */
export function buildDcgan(raw: Record<string, unknown>): GanModel {
  const opts = readModelOptions('dcgan', DCGAN_FIELDS, raw);
  const { latentDim, imageShape, seed } = commonDefaults(opts, 100);
  const width = opts.width ?? 64;
  const normalization = opts.normalization ?? 'batch';
  const refine = opts.refine ?? 0;
  const ema = opts.ema ?? 0;
  const classes = readConditioning('dcgan', opts);
  const useBn = normalization === 'batch';
  const side = imageShape[0] / 4;
  const apply = (layer: tf.layers.Layer, t: tf.SymbolicTensor) => layer.apply(t) as tf.SymbolicTensor;

  const buildGenerator = (modelName: string): tf.LayersModel => {
    const z = tf.input({ shape: [latentDim], name: 'g_z' });
    const label = classes === null ? null : classInput('g');
    let g = apply(
      tf.layers.dense({ units: side * side * 2 * width, useBias: !useBn, name: 'g_project', kernelInitializer: dcganKernel(seed, 'g_project') }),
      label === null ? z : joinOneHotClass(z, label, classes as number),
    );
    if (useBn) {
      g = apply(batchNorm('g_project_bn'), g);
      g = apply(tf.layers.reLU({ name: 'g_project_relu' }), g);
    }
    g = apply(tf.layers.reshape({ targetShape: [side, side, 2 * width], name: 'g_reshape' }), g);
    g = apply(
      tf.layers.conv2dTranspose({ filters: width, kernelSize: 4, strides: 2, padding: 'same', useBias: !useBn, name: 'g_up1', kernelInitializer: dcganKernel(seed, 'g_up1') }),
      g,
    );
    if (useBn) g = apply(batchNorm('g_up1_bn'), g);
    g = apply(tf.layers.reLU({ name: 'g_relu1' }), g);
    for (let k = 1; k <= refine; k++) {
      // Names g_refine, g_refine2, ...: each kernel's seed comes from its layer's name, so renaming
      // them would change every refined run's initial weights (and BENCHMARKS.md's figures).
      const name = k === 1 ? 'g_refine' : `g_refine${k}`;
      g = apply(
        tf.layers.conv2dTranspose({ filters: width, kernelSize: 3, strides: 1, padding: 'same', useBias: !useBn, name, kernelInitializer: dcganKernel(seed, name) }),
        g,
      );
      if (useBn) g = apply(batchNorm(`${name}_bn`), g);
      g = apply(tf.layers.reLU({ name: `${name}_relu` }), g);
    }
    g = apply(
      tf.layers.conv2dTranspose({ filters: imageShape[2], kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh', name: 'g_out', kernelInitializer: dcganKernel(seed, 'g_out') }),
      g,
    );
    return tf.model({ inputs: label === null ? z : [z, label], outputs: g, name: modelName });
  };
  const generator = buildGenerator('generator');

  const x = tf.input({ shape: imageShape, name: 'd_image' });
  let d = apply(
    tf.layers.conv2d({ filters: width, kernelSize: 4, strides: 2, padding: 'same', name: 'd_conv1', kernelInitializer: dcganKernel(seed, 'd_conv1') }),
    x,
  );
  d = apply(tf.layers.leakyReLU({ alpha: 0.2, name: 'd_lrelu1' }), d);
  d = apply(
    tf.layers.conv2d({ filters: 2 * width, kernelSize: 4, strides: 2, padding: 'same', useBias: !useBn, name: 'd_conv2', kernelInitializer: dcganKernel(seed, 'd_conv2') }),
    d,
  );
  if (useBn) d = apply(batchNorm('d_conv2_bn'), d);
  d = apply(tf.layers.leakyReLU({ alpha: 0.2, name: 'd_lrelu2' }), d);
  d = apply(tf.layers.flatten({ name: 'd_flatten' }), d);
  const features = d;
  d = apply(tf.layers.dense({ units: 1, name: 'd_logits', kernelInitializer: dcganKernel(seed, 'd_logits') }), d);
  const dLabel = classes === null ? null : classInput('d');
  if (dLabel !== null) d = projectClass(d, features, dLabel, classes as number, seed, 0.02);
  const discriminator = tf.model({ inputs: dLabel === null ? x : [x, dLabel], outputs: d, name: 'discriminator' });

  return ganModel(
    'dcgan',
    latentDim,
    imageShape,
    generator,
    discriminator,
    { latentDim, imageShape, seed, ema, width, normalization, refine, ...conditioningOptions(classes) },
    { decay: ema, generator: buildGeneratorEma(ema, generator, buildGenerator) },
  );
}

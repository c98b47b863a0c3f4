// The option fields models share, with their ranges: each model's table (its file) is built from
// these. Defaults live with the builders, which differ in them.
import * as z from 'zod/mini';
import { MAX_CLASSES, MAX_EMA_DECAY, MAX_VAE_BETA, VAE_LIKELIHOODS } from '../names.js';
import { field, intIn, numberIn, oneOf } from '../schema/option-fields.js';

/** An image shape [height, width, channels] of positive integers that `accepts` takes, described by `allowed`. */
function imageShapeField(accepts: (shape: readonly [number, number, number]) => boolean, allowed: string) {
  const side = z.int().check(z.gt(0));
  return field(z.tuple([side, side, side]).check(z.refine(accepts)), { allowed });
}

/** A list of 1..maxLength integers, each in [min, max] (layer sizes). */
export function intListField(min: number, max: number, maxLength: number) {
  return field(z.array(z.int().check(z.gte(min), z.lte(max))).check(z.minLength(1), z.maxLength(maxLength)), {
    allowed: `a list of 1 to ${maxLength} integers, each in [${min}, ${max}]`,
  });
}

const latentDim = () => intIn(1, 4096);
const seed = () => intIn(0, Number.MAX_SAFE_INTEGER);

/** Any [h, w, c] with h, w in [1, 512] and 1 or 3 channels: what dense models accept. */
export const DENSE_COMMON = {
  latentDim: latentDim(),
  imageShape: imageShapeField(
    ([h, w, c]) => h <= 512 && w <= 512 && (c === 1 || c === 3),
    'a list [height, width, channels] with height and width in [1, 512] and channels 1 or 3',
  ),
  seed: seed(),
};

/** 28x28 or 32x32 with 1 or 3 channels: what the two stride-2 conv blocks of dcgan/conv-vae fit. */
export const CONV_COMMON = {
  latentDim: latentDim(),
  imageShape: imageShapeField(([h, w, c]) => (h === 28 || h === 32) && w === h && (c === 1 || c === 3), '[28, 28, 1], [28, 28, 3], [32, 32, 1] or [32, 32, 3]'),
  seed: seed(),
};

/** beta (weight of the KL term, 1 = the plain ELBO) and the pixel likelihood. */
export const VAE_FIELDS = {
  beta: numberIn(0, MAX_VAE_BETA, `a number in [0, ${MAX_VAE_BETA}]`),
  likelihood: oneOf(VAE_LIKELIHOODS, `one of ${VAE_LIKELIHOODS.map((c) => `'${c}'`).join(', ')}`),
};

/** `ema`: the generator average's decay per generator step; 0 (default) keeps none (generator-ema.ts). */
export const GAN_FIELDS = {
  ema: numberIn(0, MAX_EMA_DECAY, `a number in [0, ${MAX_EMA_DECAY}]`),
};

/**
 * `conditional: true` makes a class-conditional model (conditioning.ts); `classes` is how many
 * classes its labels take (default 10; the CLI sets it from the dataset). Every model has both.
 */
export const CONDITIONAL_FIELDS = {
  conditional: field(z.boolean(), { allowed: 'true or false', off: false }),
  classes: intIn(2, MAX_CLASSES),
};

export const MNIST_SHAPE: [number, number, number] = [28, 28, 1];

/** The common options with their defaults filled in. */
export function commonDefaults(
  o: { latentDim?: number; imageShape?: readonly [number, number, number]; seed?: number },
  defaultLatent: number,
): { latentDim: number; imageShape: [number, number, number]; seed: number } {
  const shape = o.imageShape ?? MNIST_SHAPE;
  return { latentDim: o.latentDim ?? defaultLatent, imageShape: [shape[0], shape[1], shape[2]], seed: o.seed ?? 0 };
}

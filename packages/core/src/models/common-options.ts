// Options shared by every model, with their ranges and defaults.
import type { OptionReader } from './option-reader.js';

export const COMMON_OPTIONS = ['latentDim', 'imageShape', 'seed'] as const;
export const VAE_OPTIONS = ['beta', 'likelihood'] as const;

export interface CommonOptions {
  latentDim: number;
  imageShape: [number, number, number];
  seed: number;
}

const MNIST_SHAPE: [number, number, number] = [28, 28, 1];

/** Any [h, w, c] with h, w in [1, 512] and 1 or 3 channels: what dense models accept. */
export function readDenseCommon(r: OptionReader, defaultLatent: number): CommonOptions {
  return {
    latentDim: r.int('latentDim', defaultLatent, 1, 4096),
    imageShape: r.imageShape(
      MNIST_SHAPE,
      ([h, w, c]) => h <= 512 && w <= 512 && (c === 1 || c === 3),
      'a list [height, width, channels] with height and width in [1, 512] and channels 1 or 3',
    ),
    seed: r.int('seed', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** 28x28 or 32x32 with 1 or 3 channels: what the two stride-2 conv blocks of dcgan/conv-vae fit. */
export function readConvCommon(r: OptionReader, defaultLatent: number): CommonOptions {
  return {
    latentDim: r.int('latentDim', defaultLatent, 1, 4096),
    imageShape: r.imageShape(
      MNIST_SHAPE,
      ([h, w, c]) => (h === 28 || h === 32) && w === h && (c === 1 || c === 3),
      '[28, 28, 1], [28, 28, 3], [32, 32, 1] or [32, 32, 3]',
    ),
    seed: r.int('seed', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

export interface VaeObjectiveOptions {
  beta: number;
  likelihood: 'bernoulli' | 'gaussian';
}

/** beta (weight of the KL term, 1 = the plain ELBO) and the pixel likelihood. */
export function readVaeObjective(r: OptionReader): VaeObjectiveOptions {
  return {
    beta: r.number('beta', 1, 0, 1000),
    likelihood: r.choice('likelihood', 'bernoulli', ['bernoulli', 'gaussian'] as const),
  };
}

// @dgm/core/names: every closed set of names dgm accepts, and the limits front ends show, declared
// once. Core's registries and types derive from these lists, and the CLI, coordinator and worker
// import them from here. This file imports nothing, so loading it never loads TensorFlow.js:
// `dgm --help` and flag validation stay fast (test/package/names-without-tfjs.test.ts).

/** GAN models: trained on a GAN loss (--loss), may keep an EMA generator and augment D's inputs. */
export const GAN_MODEL_NAMES = ['mlp-gan', 'dcgan'] as const;
/** VAE models: trained on their ELBO (--beta). */
export const VAE_MODEL_NAMES = ['vae', 'conv-vae'] as const;
/** The models createModel() can build. */
export const MODEL_NAMES = [...GAN_MODEL_NAMES, ...VAE_MODEL_NAMES] as const;
export type GanModelName = (typeof GAN_MODEL_NAMES)[number];
export type VaeModelName = (typeof VAE_MODEL_NAMES)[number];
export type ModelName = (typeof MODEL_NAMES)[number];

/** True for the models trained on an ELBO (they take beta, not a GAN loss). */
export function isVaeModelName(name: string): name is VaeModelName {
  return (VAE_MODEL_NAMES as readonly string[]).includes(name);
}

/** True for the generator/discriminator models. */
export function isGanModelName(name: string): name is GanModelName {
  return (GAN_MODEL_NAMES as readonly string[]).includes(name);
}

/** The GAN objectives (losses/gan-loss.ts). */
export const GAN_LOSS_NAMES = ['minimax', 'non-saturating', 'lsgan', 'hinge', 'wgan-gp'] as const;
export type GanLossName = (typeof GAN_LOSS_NAMES)[number];

/** DiffAugment transforms of the discriminator's inputs, in the order they are applied. */
export const AUGMENT_NAMES = ['translation', 'cutout'] as const;
export type AugmentName = (typeof AUGMENT_NAMES)[number];

/** TensorFlow.js backends initBackend() can pick ('auto': native TensorFlow if installed, else wasm). */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_NAMES)[number];

/** Datasets that ship with dgm's dependencies, loaded by name. */
export const BUNDLED_DATASETS = ['mnist', 'fashion-mnist'] as const;
/** Datasets for which @dgm/core ships an evaluation classifier (eval/classifier.ts). */
export const CLASSIFIER_DATASETS = ['mnist', 'fashion-mnist'] as const;
/** Prefixes of dataset specs naming a file format, followed by a path. */
export const DATASET_PREFIXES = ['idx:', 'npy:', 'images:'] as const;

/** dcgan's `normalization`: BatchNorm (the paper's) or none (the PyTorch anchor's network). */
export const NORMALIZATIONS = ['batch', 'none'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/** Names of the learning-rate schedules (the Trainer's `lrSchedule` kinds). */
export const LR_SCHEDULE_NAMES = ['constant', 'cosine'] as const;
export type LrScheduleName = (typeof LR_SCHEDULE_NAMES)[number];

/** A VAE's pixel likelihood. */
export const VAE_LIKELIHOODS = ['bernoulli', 'gaussian'] as const;
export type VaeLikelihood = (typeof VAE_LIKELIHOODS)[number];

/** Most refinement layers dcgan's `refine` accepts. */
export const MAX_DCGAN_REFINE = 4;

/** Largest EMA decay accepted: 1 would never move the average. */
export const MAX_EMA_DECAY = 0.99999;

/** Largest VAE KL weight `beta` accepted. */
export const MAX_VAE_BETA = 1000;

/** Most classes a conditional model (`conditional: true`, option `classes`) accepts: labels are stored as bytes. */
export const MAX_CLASSES = 256;

/** Largest `--seed` (a run's seeds are unsigned 32-bit). */
export const MAX_SEED = 2 ** 32 - 1;

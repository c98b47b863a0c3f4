// The closed sets of names the CLI accepts. They mirror @dgm/core's ModelName, GanLossName and
// BackendChoice; the CLI keeps its own copy so `dgm --help` and validation never load tfjs.

export const MODEL_NAMES = ['vae', 'conv-vae', 'mlp-gan', 'dcgan'] as const;
export type ModelChoice = (typeof MODEL_NAMES)[number];

export const VAE_MODELS: readonly ModelChoice[] = ['vae', 'conv-vae'];
export const GAN_MODELS: readonly ModelChoice[] = ['mlp-gan', 'dcgan'];

export const GAN_LOSS_NAMES = ['minimax', 'non-saturating', 'lsgan', 'hinge', 'wgan-gp'] as const;
export type GanLossChoice = (typeof GAN_LOSS_NAMES)[number];

/** DiffAugment transforms of the discriminator's inputs (core's AUGMENT_NAMES, in its order). */
export const AUGMENT_NAMES = ['translation', 'cutout'] as const;

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Dataset specs: a bundled name, or a prefix naming a file format followed by a path. */
export const BUNDLED_DATASETS = ['mnist', 'fashion-mnist'] as const;
export const DATASET_PREFIXES = ['idx:', 'npy:', 'images:'] as const;
export const DATASET_FORMS = 'mnist, fashion-mnist, idx:<path>, npy:<path> or images:<dir>';

/** True for models trained on an ELBO (they take --beta, not --loss). */
export function isVaeModel(model: ModelChoice): boolean {
  return VAE_MODELS.includes(model);
}

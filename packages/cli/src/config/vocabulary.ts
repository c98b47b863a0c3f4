// The closed sets of names the CLI accepts: core's own (@dgm/core/names, which loads no tfjs, so
// `dgm --help` and validation stay fast), under the names the CLI's code has always used.
import {
  BACKEND_NAMES,
  BUNDLED_DATASETS,
  DATASET_PREFIXES,
  GAN_MODEL_NAMES,
  VAE_MODEL_NAMES,
  isVaeModelName,
  type BackendChoice,
  type GanLossName,
  type ModelName,
} from '@dgm/core/names';

export { AUGMENT_NAMES, BUNDLED_DATASETS, DATASET_PREFIXES, GAN_LOSS_NAMES } from '@dgm/core/names';

/** The models in the order `dgm` lists them: the VAEs first, as the default model is one. */
export const MODEL_NAMES = [...VAE_MODEL_NAMES, ...GAN_MODEL_NAMES] as const;
export type ModelChoice = ModelName;

export const VAE_MODELS: readonly ModelChoice[] = VAE_MODEL_NAMES;
export const GAN_MODELS: readonly ModelChoice[] = GAN_MODEL_NAMES;

export type GanLossChoice = GanLossName;

export { BACKEND_NAMES };
export type BackendName = BackendChoice;

/** How help and error sentences spell the dataset forms. */
const DATASET_SHAPES = [...BUNDLED_DATASETS, ...DATASET_PREFIXES.map((p) => `${p}${p === 'images:' ? '<dir>' : '<path>'}`)];
export const DATASET_FORMS = `${DATASET_SHAPES.slice(0, -1).join(', ')} or ${DATASET_SHAPES[DATASET_SHAPES.length - 1]}`;

/** True for models trained on an ELBO (they take --beta, not --loss). */
export function isVaeModel(model: ModelChoice): boolean {
  return isVaeModelName(model);
}

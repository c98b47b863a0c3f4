import { buildConvVae } from './conv-vae.js';
import { buildDcgan } from './dcgan.js';
import { ModelOptionError } from './errors.js';
import { buildMlpGan } from './mlp-gan.js';
import type { GanModelName, VaeModelName } from '../names.js';
import { MODEL_NAMES, type GanModel, type GenerativeModel, type ModelName, type VaeModel } from './types.js';
import { buildVae } from './vae.js';

const BUILDERS: Record<ModelName, (options: Record<string, unknown>) => GenerativeModel> = {
  'mlp-gan': buildMlpGan,
  dcgan: buildDcgan,
  vae: buildVae,
  'conv-vae': buildConvVae,
};

/**
 * Builds one of MODEL_NAMES with seeded, deterministic weights: the same name and options give
 * bit-identical weights in any process. Throws ModelOptionError for an unknown name or option,
 * or a value out of range, naming what is allowed.
 */
export function createModel(name: GanModelName, options?: Record<string, unknown>): GanModel;
export function createModel(name: VaeModelName, options?: Record<string, unknown>): VaeModel;
export function createModel(name: ModelName, options?: Record<string, unknown>): GenerativeModel;
export function createModel(name: ModelName, options: Record<string, unknown> = {}): GenerativeModel {
  if (!Object.prototype.hasOwnProperty.call(BUILDERS, name)) {
    throw new ModelOptionError(`unknown model '${String(name)}'; available models are: ${MODEL_NAMES.join(', ')}.`);
  }
  return BUILDERS[name](options);
}

// Trainer options: what each model family accepts, the defaults, and their validation.
import { AUGMENT_NAMES, type AugmentName } from '../augment/index.js';
import { createGanLoss, ganLossNames, type GanLoss, type GanLossName } from '../losses/index.js';
import type { GenerativeModel } from '../models/index.js';
import type { AdamSettings } from './adam.js';
import { TrainerInputError } from './errors.js';
import { resolveLrSchedule, type LrSchedule, type ResolvedLrSchedule } from './lr-schedule.js';
import { LocalReducer, type GradientReducer } from './reducer.js';

export interface TrainerOptions {
  /** GAN objective (GANs only). Default 'non-saturating'. */
  loss?: GanLossName;
  /** One-sided label smoothing of the real target (minimax, non-saturating, lsgan). Default 0. */
  labelSmoothing?: number;
  /** Gradient-penalty weight (wgan-gp only). Default 10. */
  gpWeight?: number;
  /**
   * DiffAugment (GANs): transforms applied, with fresh per-sample draws, to every image the
   * discriminator sees, real or generated; helps when D would memorise a small training set.
   * Any of 'translation', 'cutout' (augment/diff-augment.ts). Default [] (none).
   */
  augment?: readonly AugmentName[];
  /** Critic steps per generator step (GANs). Default 5 for wgan-gp, else 1. */
  nCritic?: number;
  /** VAE with Bernoulli likelihood: resample binary pixels x ~ Bernoulli(x) every step ('dynamic', default) or train on grey levels ('none'). */
  binarize?: 'dynamic' | 'none';
  /** Adam learning rate. Default 2e-4 (GANs), 1e-4 (wgan-gp), 1e-3 (VAEs). */
  lr?: number;
  /** How the learning rate moves with the training step. Default 'constant'. */
  lrSchedule?: LrSchedule;
  /** Adam beta1. Default 0.5 (GANs), 0 (wgan-gp), 0.9 (VAEs). */
  beta1?: number;
  /** Adam beta2. Default 0.999 (GANs, VAEs), 0.9 (wgan-gp). */
  beta2?: number;
  /** Clip each phase's averaged gradient to this global L2 norm. Default: no clipping. */
  clipNorm?: number;
  /** Seed of the per-sample noise. Default: the model's seed option. */
  seed?: number;
  /** Where gradients are averaged. Default: a LocalReducer (single process). */
  reducer?: GradientReducer;
}

const SHARED = ['lr', 'lrSchedule', 'beta1', 'beta2', 'clipNorm', 'seed', 'reducer'] as const;
export const GAN_TRAINER_OPTIONS = ['loss', 'labelSmoothing', 'gpWeight', 'nCritic', 'augment', ...SHARED] as const;
export const VAE_TRAINER_OPTIONS = ['binarize', ...SHARED] as const;

/** Adam's epsilon, as in PyTorch and the Adam paper (tfjs' default depends on the backend). */
export const ADAM_EPSILON = 1e-8;

export interface ResolvedGanOptions {
  family: 'gan';
  ganLoss: GanLoss;
  /** In the fixed order of AUGMENT_NAMES, without repeats. */
  augment: AugmentName[];
  adam: AdamSettings;
  lrSchedule: ResolvedLrSchedule;
  clipNorm: number | null;
  seed: number;
  reducer: GradientReducer;
}

export interface ResolvedVaeOptions {
  family: 'vae';
  binarize: 'dynamic' | 'none';
  adam: AdamSettings;
  lrSchedule: ResolvedLrSchedule;
  clipNorm: number | null;
  seed: number;
  reducer: GradientReducer;
}

export type ResolvedTrainerOptions = ResolvedGanOptions | ResolvedVaeOptions;

/** Checks options against the model's family and fills in the defaults. */
export function resolveTrainerOptions(model: GenerativeModel, options: TrainerOptions): ResolvedTrainerOptions {
  if (model === null || typeof model !== 'object' || (model.family !== 'gan' && model.family !== 'vae')) {
    throw new TrainerInputError('Trainer needs a model made by createModel() (family gan or vae).');
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TrainerInputError('Trainer options must be a plain object.');
  }
  const allowed: readonly string[] = model.family === 'gan' ? GAN_TRAINER_OPTIONS : VAE_TRAINER_OPTIONS;
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TrainerInputError(
        `unknown Trainer option '${key}' for the ${model.family} model ${model.name}; allowed options are: ${allowed.join(', ')}.`,
      );
    }
  }
  const o = options as Record<string, unknown>;
  const number = (name: string, fallback: number, ok: (v: number) => boolean, range: string): number => {
    const v = o[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new TrainerInputError(`Trainer option '${name}' must be a number in ${range}, got ${JSON.stringify(v)}.`);
    }
    return v;
  };
  const modelSeed = typeof model.options.seed === 'number' ? model.options.seed : 0;
  const seed = number('seed', modelSeed, (v) => Number.isSafeInteger(v) && v >= 0, '[0, 2^53) (an integer)');
  const clip = o.clipNorm === undefined ? null : number('clipNorm', 1, (v) => v > 0, '(0, inf)');
  const reducer = (o.reducer ?? new LocalReducer()) as GradientReducer;
  if (typeof (reducer as Partial<GradientReducer>).reduce !== 'function') {
    throw new TrainerInputError("Trainer option 'reducer' must be an object with a reduce(phase, step, grads, sampleCount) method.");
  }

  if (model.family === 'vae') {
    const binarize = o.binarize ?? (model.likelihood === 'bernoulli' ? 'dynamic' : 'none');
    if (binarize !== 'dynamic' && binarize !== 'none') {
      throw new TrainerInputError(`Trainer option 'binarize' must be 'dynamic' or 'none', got ${JSON.stringify(binarize)}.`);
    }
    if (binarize === 'dynamic' && model.likelihood !== 'bernoulli') {
      throw new TrainerInputError("Trainer option binarize 'dynamic' needs a model with likelihood 'bernoulli'; use 'none' for 'gaussian'.");
    }
    return {
      family: 'vae',
      binarize,
      adam: adamSettings(number, 1e-3, 0.9, 0.999),
      lrSchedule: resolveLrSchedule(o.lrSchedule),
      clipNorm: clip,
      seed,
      reducer,
    };
  }

  const lossName = o.loss ?? 'non-saturating';
  if (typeof lossName !== 'string' || !(ganLossNames as readonly string[]).includes(lossName)) {
    throw new TrainerInputError(`Trainer option 'loss' must be one of ${ganLossNames.join(', ')}, got ${JSON.stringify(lossName)}.`);
  }
  const ganLoss = createGanLoss(lossName as GanLossName, {
    labelSmoothing: o.labelSmoothing as number | undefined,
    gpWeight: o.gpWeight as number | undefined,
    nCritic: o.nCritic as number | undefined,
  });
  if (ganLoss.name === 'wgan-gp') {
    const bn = model.discriminator.layers.find((l) => l.getClassName() === 'BatchNormalization');
    if (bn) {
      throw new TrainerInputError(
        `loss 'wgan-gp' needs a discriminator without BatchNorm (its gradient penalty is per sample, layer '${bn.name}' mixes samples); build the model with normalization: 'none'.`,
      );
    }
  }
  // WGAN-GP keeps the optimiser of Gulrajani et al. (2017): Adam(1e-4, 0, 0.9); other GAN
  // losses use the DCGAN paper's Adam(2e-4, 0.5, 0.999).
  const wgan = ganLoss.name === 'wgan-gp';
  return {
    family: 'gan',
    ganLoss,
    augment: resolveAugment(o.augment),
    adam: adamSettings(number, wgan ? 1e-4 : 2e-4, wgan ? 0 : 0.5, wgan ? 0.9 : 0.999),
    lrSchedule: resolveLrSchedule(o.lrSchedule),
    clipNorm: clip,
    seed,
    reducer,
  };
}

function adamSettings(
  number: (name: string, fallback: number, ok: (v: number) => boolean, range: string) => number,
  lr: number,
  beta1: number,
  beta2: number,
): AdamSettings {
  return {
    learningRate: number('lr', lr, (v) => v > 0 && v <= 1, '(0, 1]'),
    beta1: number('beta1', beta1, (v) => v >= 0 && v < 1, '[0, 1)'),
    beta2: number('beta2', beta2, (v) => v >= 0 && v < 1, '[0, 1)'),
    epsilon: ADAM_EPSILON,
  };
}

/** The augment option as a list in AUGMENT_NAMES order; order and repeats in the input do not matter. */
function resolveAugment(value: unknown): AugmentName[] {
  if (value === undefined) return [];
  const allowed = AUGMENT_NAMES as readonly string[];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !allowed.includes(v))) {
    throw new TrainerInputError(
      `Trainer option 'augment' must be a list of ${AUGMENT_NAMES.join(', ')} (or empty), got ${JSON.stringify(value)}.`,
    );
  }
  return AUGMENT_NAMES.filter((name) => value.includes(name));
}

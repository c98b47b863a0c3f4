// Trainer options: one field table (which family each option applies to, what it allows), the
// defaults, and the checks that depend on the model (binarize, wgan-gp without BatchNorm).
import * as z from 'zod/mini';
import { createGanLoss, type GanLoss, type GanLossName } from '../losses/index.js';
import { AUGMENT_NAMES, GAN_LOSS_NAMES, type AugmentName } from '../names.js';
import { field, fieldsFor, firstProblem, numberIn, withCheck } from '../schema/option-fields.js';
import type { GenerativeModel } from '../models/index.js';
import type { AdamSettings } from './adam.js';
import { TrainerInputError } from './errors.js';
import { LR_SCHEDULE_FIELD, scheduleFrom, type LrSchedule, type ResolvedLrSchedule } from './lr-schedule.js';
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

const GAN = ['gan'] as const;
const VAE = ['vae'] as const;
const BINARIZE_MODES = ['dynamic', 'none'] as const;

/** Every Trainer option, the model families it applies to, and what it allows; in the order options are checked and listed. */
export const TRAINER_FIELDS = {
  loss: field(z.enum(GAN_LOSS_NAMES), { allowed: `one of ${GAN_LOSS_NAMES.join(', ')}`, appliesTo: GAN }),
  // The loss's own options: createGanLoss checks them, with the loss they belong to.
  labelSmoothing: field(z.unknown(), { allowed: 'what createGanLoss accepts', appliesTo: GAN }),
  gpWeight: field(z.unknown(), { allowed: 'what createGanLoss accepts', appliesTo: GAN }),
  nCritic: field(z.unknown(), { allowed: 'what createGanLoss accepts', appliesTo: GAN }),
  augment: field(z.array(z.enum(AUGMENT_NAMES)), { allowed: `a list of ${AUGMENT_NAMES.join(', ')} (or empty)`, appliesTo: GAN }),
  binarize: field(z.enum(BINARIZE_MODES), { allowed: "'dynamic' or 'none'", appliesTo: VAE }),
  lr: numberIn(0, 1, 'a number in (0, 1]', true),
  lrSchedule: LR_SCHEDULE_FIELD,
  beta1: field(z.number().check(z.gte(0), z.lt(1)), { allowed: 'a number in [0, 1)' }),
  beta2: field(z.number().check(z.gte(0), z.lt(1)), { allowed: 'a number in [0, 1)' }),
  clipNorm: field(z.number().check(z.gt(0)), { allowed: 'a number in (0, inf)' }),
  seed: field(z.int().check(z.gte(0)), { allowed: 'a number in [0, 2^53) (an integer)' }),
  reducer: withCheck(
    field(z.custom<GradientReducer>(), { allowed: 'an object with a reduce(phase, step, grads, sampleCount) method' }),
    (v) => v === null || (typeof v === 'object' && typeof (v as Partial<GradientReducer>).reduce === 'function'),
    () => "Trainer option 'reducer' must be an object with a reduce(phase, step, grads, sampleCount) method.",
  ),
};

export const GAN_TRAINER_OPTIONS = fieldsFor(TRAINER_FIELDS, 'gan');
export const VAE_TRAINER_OPTIONS = fieldsFor(TRAINER_FIELDS, 'vae');

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
  const allowed = model.family === 'gan' ? GAN_TRAINER_OPTIONS : VAE_TRAINER_OPTIONS;
  const result = firstProblem(TRAINER_FIELDS, options, allowed);
  if (!result.ok) {
    const p = result.problem;
    switch (p.kind) {
      case 'not-object':
        throw new TrainerInputError('Trainer options must be a plain object.');
      case 'unknown-key':
        throw new TrainerInputError(`unknown Trainer option '${p.key}' for the ${model.family} model ${model.name}; allowed options are: ${allowed.join(', ')}.`);
      case 'bad-value':
        throw new TrainerInputError(p.sentence ?? `Trainer option '${p.key}' must be ${p.allowed}, got ${JSON.stringify(p.value)}.`);
    }
  }
  const o = result.values;
  const modelSeed = typeof model.options.seed === 'number' ? model.options.seed : 0;
  const seed = o.seed ?? modelSeed;
  const clip = o.clipNorm ?? null;
  const reducer = o.reducer ?? new LocalReducer();
  const adam = (lr: number, beta1: number, beta2: number): AdamSettings => ({
    learningRate: o.lr ?? lr,
    beta1: o.beta1 ?? beta1,
    beta2: o.beta2 ?? beta2,
    epsilon: ADAM_EPSILON,
  });

  if (model.family === 'vae') {
    const binarize = o.binarize ?? (model.likelihood === 'bernoulli' ? 'dynamic' : 'none');
    if (binarize === 'dynamic' && model.likelihood !== 'bernoulli') {
      throw new TrainerInputError("Trainer option binarize 'dynamic' needs a model with likelihood 'bernoulli'; use 'none' for 'gaussian'.");
    }
    return {
      family: 'vae',
      binarize,
      adam: adam(1e-3, 0.9, 0.999),
      lrSchedule: scheduleFrom(o.lrSchedule),
      clipNorm: clip,
      seed,
      reducer,
    };
  }

  const ganLoss = createGanLoss(o.loss ?? 'non-saturating', {
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
    augment: AUGMENT_NAMES.filter((name) => o.augment?.includes(name)),
    adam: adam(wgan ? 1e-4 : 2e-4, wgan ? 0 : 0.5, wgan ? 0.9 : 0.999),
    lrSchedule: scheduleFrom(o.lrSchedule),
    clipNorm: clip,
    seed,
    reducer,
  };
}

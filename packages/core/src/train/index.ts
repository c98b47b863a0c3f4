// Public surface of train/: the training step, its gradient layout and the reducer seam.
export { Trainer } from './trainer.js';
export type { Batch, StepMetrics, StepOptions, TrainerSettings } from './trainer.js';
export { disposeOptimizerState, type NamedStateTensor, type OptimizerState } from './optimizer-state.js';
export type { TrainerOptions } from './trainer-options.js';
export { ADAM_EPSILON, GAN_TRAINER_OPTIONS, VAE_TRAINER_OPTIONS } from './trainer-options.js';
export { learningRateAt } from './lr-schedule.js';
export { emaDecayAt } from './generator-ema-update.js';
export type { LrSchedule, ResolvedLrSchedule } from './lr-schedule.js';
export { LocalReducer } from './reducer.js';
export { allFinite } from './finite.js';
export type { GradientReducer } from './reducer.js';
export { buildManifest, flattenGradients, unflattenGradients } from './manifest.js';
export type { ParameterEntry, ParameterManifest } from './manifest.js';
export type { AdamSettings } from './adam.js';
export { Fnv1a64, fnv1a64Hex } from './fnv1a64.js';
export { TrainerInputError } from './errors.js';

// Public surface of losses/: the objectives dgm trains with, and gradient clipping.
export { LossInputError } from './errors.js';
export { createGanLoss, ganLossNames } from './gan-loss.js';
export type { GanLoss, GanLossName, GanLossOptions } from './gan-loss.js';
export { gradientPenalty, gradientNormEpsilon } from './gradient-penalty.js';
export { vaeLoss } from './vae-loss.js';
export type { VaeLikelihood, VaeLossOptions, VaeLossTerms } from './vae-loss.js';
export { clipByGlobalNorm } from './clip-by-global-norm.js';

// Public surface of augment/: DiffAugment for the discriminator's inputs (diff-augment.ts).
export { AUGMENT_NAMES, CUTOUT_RATIO, TRANSLATION_RATIO, augmentDraws, augmentSizes, diffAugment } from './diff-augment.js';
export type { AugmentDraw, AugmentName } from './diff-augment.js';
export { AugmentInputError } from './errors.js';

import { DgmInputError } from '../input-error.js';

/** Thrown when diffAugment is given images, transform names or draws it cannot use. */
export class AugmentInputError extends DgmInputError {
  override name = 'AugmentInputError';
}

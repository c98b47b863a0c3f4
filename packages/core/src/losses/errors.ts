import { DgmInputError } from '../input-error.js';

/**
 * Bad input to a loss: an unknown loss name or option, an option value out of range, or tensors
 * whose shapes do not fit together. The message is one sentence naming what was wrong and what
 * is allowed; the CLI maps this class to exit code 2.
 */
export class LossInputError extends DgmInputError {
  override name = 'LossInputError';
}

import { DgmInputError } from '../input-error.js';

/** Thrown for an unknown model name, an unknown option or an option value out of range. */
export class ModelOptionError extends DgmInputError {
  override name = 'ModelOptionError';
}

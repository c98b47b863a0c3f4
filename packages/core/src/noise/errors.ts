import { DgmInputError } from '../input-error.js';

/** Thrown when a noise key, an index list or a dimension is outside what the generator accepts. */
export class NoiseKeyError extends DgmInputError {
  override name = 'NoiseKeyError';
}

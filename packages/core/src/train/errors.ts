import { DgmInputError } from '../input-error.js';

/** Thrown for bad Trainer options, a malformed batch, a bad optimizer state or a misbehaving reducer. */
export class TrainerInputError extends DgmInputError {
  override name = 'TrainerInputError';
}

import { DgmInputError } from '../input-error.js';

/**
 * Thrown when a caller hands the evaluation code something it cannot measure (wrong shape, values
 * outside [0,1], too few samples, a dataset without a shipped classifier). The message is one
 * sentence naming what was wrong and what is allowed; the CLI maps it to exit code 2.
 */
export class EvalInputError extends DgmInputError {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}

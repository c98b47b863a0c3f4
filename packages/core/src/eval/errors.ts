/**
 * Thrown when a caller hands the evaluation code something it cannot measure (wrong shape, values
 * outside [0,1], too few samples, unknown dataset). The message is one sentence naming what was
 * wrong and what is allowed; the CLI maps it to exit code 2.
 */
export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}

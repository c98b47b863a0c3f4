import { DgmInputError } from '../input-error.js';

/** Bad arguments to a sample-grid function; the message names the argument and what is allowed. */
export class SampleGridError extends DgmInputError {
  constructor(message: string) {
    super(message);
    this.name = 'SampleGridError';
  }
}

import { DgmInputError } from '../input-error.js';

/**
 * Bad dataset input: an unknown spec, a missing file, or a file whose content is not what its
 * format promises. The message is one sentence naming the file (or spec) and what is allowed;
 * the CLI maps this class to exit code 2.
 */
export class DatasetError extends DgmInputError {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

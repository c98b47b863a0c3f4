import { DgmInputError } from '../input-error.js';

/**
 * Raised for anything wrong with a checkpoint on disk (missing, incomplete, damaged) or with the
 * arguments given to save one. The message is one sentence naming the file and the problem.
 */
export class CheckpointError extends DgmInputError {
  /** The file or directory the problem is about, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CheckpointError';
    this.path = options.path;
  }
}

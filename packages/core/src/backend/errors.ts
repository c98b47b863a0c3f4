import { DgmInputError } from '../input-error.js';

/**
 * A requested backend cannot be used here (not installed, failed to load, unknown name); the
 * message says what to install or choose instead.
 */
export class BackendUnavailableError extends DgmInputError {
  override name = 'BackendUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A kernel was called with arguments it does not support; the message names what is allowed. */
export class KernelInputError extends DgmInputError {
  override name = 'KernelInputError';
}

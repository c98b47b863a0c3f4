/**
 * Base of every error that a caller's input caused — an unknown name, an option out of range, a
 * malformed data file or checkpoint — as opposed to a fault of dgm itself. Its message is one
 * sentence naming what was wrong and what is allowed; front ends print the message alone (the
 * CLI exits with code 2) and never a stack trace. Each area subclasses it with its own name.
 */
export class DgmInputError extends Error {
  override name = 'DgmInputError';
}

/** True for errors caused by the caller's input (see DgmInputError). */
export function isInputError(error: unknown): error is DgmInputError {
  return error instanceof DgmInputError;
}

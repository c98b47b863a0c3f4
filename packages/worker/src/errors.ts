// Why a worker stops other than by a STOP. Bad options and a coordinator's refusal (another run,
// another config) are the caller's to fix (DgmInputError: the CLI exits 2); the others are run
// failures (DgmRunError: the CLI exits 1 and prints the sentence, no stack trace).
import { DgmInputError, DgmRunError } from '@dgm/core/errors';

/** Bad worker options or arguments. */
export class WorkerOptionsError extends DgmInputError {
  override name = 'WorkerOptionsError';
}

/** The coordinator refused this worker; the message is its sentence. */
export class RejectedError extends DgmInputError {
  override name = 'RejectedError';
}

/** A step failed on this worker; DONE already told the coordinator why. */
export class StepFailedError extends DgmRunError {
  override name = 'StepFailedError';
}

/** The coordinator could not be reached, went silent or disconnected for good. */
export class CoordinatorGoneError extends DgmRunError {
  override name = 'CoordinatorGoneError';
}

/**
 * The coordinator sent something no coordinator of this run would (a WELCOME whose config does not
 * match its own hash): corruption or a foreign peer, not the user's input, so a run failure.
 */
export class CoordinatorMessageError extends DgmRunError {
  override name = 'CoordinatorMessageError';
}

/**
 * Not a failure: the coordinator broke the step off (ABORT: an elastic run's members changed).
 * The plane's waits reject with it; the worker says ABORTED, not DONE, and goes on.
 */
export class StepAbortedError extends Error {
  override name = 'StepAbortedError';
}

// Why a worker stops other than by a STOP. Each maps to an exit code of the worker entry script.

/** Bad worker options or arguments (exit code 2). */
export class WorkerOptionsError extends Error {
  override name = 'WorkerOptionsError';
}

/** The coordinator refused this worker; the message is its sentence (exit code 2). */
export class RejectedError extends Error {
  override name = 'RejectedError';
}

/** A step failed on this worker; DONE already told the coordinator why. */
export class StepFailedError extends Error {
  override name = 'StepFailedError';
}

/** The coordinator could not be reached, went silent or disconnected for good (exit code 3). */
export class CoordinatorGoneError extends Error {
  override name = 'CoordinatorGoneError';
}

// Why a run stops other than by finishing. Each names what happened in one sentence; the CLI
// maps CoordinatorOptionsError to exit code 2 and the others to a non-zero failure code.

/** Bad coordinator options (exit code 2). */
export class CoordinatorOptionsError extends Error {
  override name = 'CoordinatorOptionsError';
}

/** Not enough workers joined in time. */
export class JoinTimeoutError extends Error {
  override name = 'JoinTimeoutError';
}

/** A worker died, disconnected or stopped answering. */
export class WorkerLostError extends Error {
  override name = 'WorkerLostError';
}

/** A worker reported that it failed (in a step: DONE with an error; otherwise: FAILED). */
export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
}

/** Replicas hold different weights: the run cannot be trusted. */
export class ReplicaMismatchError extends Error {
  override name = 'ReplicaMismatchError';
}

/** The run was stopped from outside (stop() or a signal) before it finished. */
export class RunStoppedError extends Error {
  override name = 'RunStoppedError';
}

// Why a run stops other than by finishing. Each names what happened in one sentence. Bad options
// are the caller's input (DgmInputError: the CLI exits 2); the others are run failures
// (DgmRunError: the CLI exits 1 and prints the sentence, no stack trace).
import { DgmInputError, DgmRunError } from '@dgm/core/errors';

/** Bad coordinator options. */
export class CoordinatorOptionsError extends DgmInputError {
  override name = 'CoordinatorOptionsError';
}

/** Not enough workers joined in time. */
export class JoinTimeoutError extends DgmRunError {
  override name = 'JoinTimeoutError';
}

/** A worker died, disconnected or stopped answering. */
export class WorkerLostError extends DgmRunError {
  override name = 'WorkerLostError';
}

/** A worker reported that it failed (in a step: DONE with an error; otherwise: FAILED). */
export class WorkerFailedError extends DgmRunError {
  override name = 'WorkerFailedError';
}

/** Replicas hold different weights: the run cannot be trusted. */
export class ReplicaMismatchError extends DgmRunError {
  override name = 'ReplicaMismatchError';
}

/** The run was stopped from outside (stop() or a signal) before it finished. */
export class RunStoppedError extends DgmRunError {
  override name = 'RunStoppedError';
}

/** The run stopped itself: more steps were skipped for non-finite gradients than it allows (--max-skipped-steps). */
export class SkippedStepsError extends RunStoppedError {
  override name = 'SkippedStepsError';
}

/** A checkpoint could not be written (disk full, no permission, read-only): which one, where, and what is left. */
export class CheckpointWriteError extends DgmRunError {
  override name = 'CheckpointWriteError';
}

/**
 * An elastic run stopped for its members: fewer workers than --min-workers for longer than the
 * join timeout, or more workers lost than --max-failures allows. A final checkpoint was written.
 */
export class MembershipStopError extends RunStoppedError {
  override name = 'MembershipStopError';
}

/**
 * Not a failure: an elastic run's members changed while a step (or a check) was in flight. The
 * run loop catches it, brings the survivors level and redoes the step (membership-change.ts).
 */
export class MembershipChangedError extends Error {
  override name = 'MembershipChangedError';
}

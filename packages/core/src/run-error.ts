/**
 * Base of every error that ends a run for a reason that is neither the caller's input nor a bug
 * of dgm: a worker lost, the coordinator gone, replicas that disagree, a join timeout. Its message
 * is one sentence about the run; front ends print it without a stack trace (the CLI exits with
 * code 1). The runtime packages (coordinator, worker, plane) subclass it.
 */
export class DgmRunError extends Error {
  override name = 'DgmRunError';
}

/** True for errors that say why a run failed (see DgmRunError). */
export function isRunError(error: unknown): error is DgmRunError {
  return error instanceof DgmRunError;
}

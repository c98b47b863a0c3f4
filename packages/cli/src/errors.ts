// How the CLI tells the user's mistakes from failures. Every dgm package's errors extend one of
// two bases of @dgm/core/errors (tfjs-free, so classifying an error never loads a model):
// DgmInputError — a flag, a config file, a path, data, an address: one sentence, exit 2, nothing
// written — and DgmRunError — a worker lost, the coordinator gone: one sentence, exit 1. Anything
// else is a bug (ours or the environment's): its message, exit 1, stack with DGM_DEBUG=1.
import { DgmInputError, DgmRunError, isInputError, isRunError } from '@dgm/core/errors';

/** Exit codes of the `dgm` command: the only table of them in dgm. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** 128 + SIGINT, what shells report for a Ctrl-C'd program. */
  interrupted: 130,
} as const;

/** A mistake in the user's input: one sentence naming what was wrong and what is allowed. */
export class UsageError extends DgmInputError {
  override readonly name = 'UsageError';
}

/** A run that failed for a reason outside the user's input (a worker crashed, a timeout). */
export class RunFailedError extends DgmRunError {
  override readonly name = 'RunFailedError';
}

/** True for an error the user's input caused, from any dgm package (exit 2). */
export function isUserInputError(error: unknown): boolean {
  return isInputError(error);
}

/** True for an error that says why a run failed, not a bug: printed without the debugging hint. */
export function isRunFailure(error: unknown): boolean {
  return isRunError(error);
}

/** The exit code for a command that ended with `error`: 2 for input errors, 1 for everything else. */
export function exitCodeOf(error: unknown): number {
  return isInputError(error) ? ExitCode.usage : ExitCode.failure;
}

// The two kinds of failure the CLI distinguishes. A UsageError is the user's to fix (a flag, a
// config file, a path): it prints as one sentence and exits 2 without writing anything. Anything
// else is our bug or the environment's, printed as its message and exit 1 (stack with DGM_DEBUG=1).

/** Exit codes of the `dgm` command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** 128 + SIGINT, what shells report for a Ctrl-C'd program. */
  interrupted: 130,
} as const;

/** A mistake in the user's input: one sentence naming what was wrong and what is allowed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.usage;
}

/** A run that failed for a reason outside the user's input (a worker crashed, a timeout). */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
  }
}

/**
 * Base classes of every input error: our own UsageError and @dgm/core's DgmInputError, which all
 * of core's areas subclass. They are recognised by name in the class chain so that the CLI need
 * not load tfjs (through @dgm/core) just to classify an error.
 */
const USER_INPUT_ERROR_NAMES = ['UsageError', 'DgmInputError'];

function classNames(error: Error): string[] {
  const names = [error.name];
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) names.push(ctor.name);
  }
  return names;
}

/**
 * Errors thrown by other dgm packages for bad input (unknown dataset, malformed file) carry a
 * user-facing sentence; they are recognised by name so the CLI can map them to exit 2 without
 * importing every package's error classes.
 */
export function isUserInputError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  if (!(error instanceof Error)) return false;
  return classNames(error).some((n) => USER_INPUT_ERROR_NAMES.includes(n));
}

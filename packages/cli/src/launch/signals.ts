// Ctrl-C handling for the long-running commands: the first SIGINT (or SIGTERM) asks for a clean
// stop (final checkpoint, workers told to end); a second one forces it.

export interface StopRequests {
  /** Resolves with the signal of the first stop request. */
  requested: Promise<NodeJS.Signals>;
  /** Signal count so far. */
  readonly count: number;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers, and handlers for `extra` signals that mean the same (a
 * scheduler's warning, such as Slurm's --signal=USR1@90). `onForce` runs on the second signal
 * (the user insists).
 */
export function listenForStop(extra: readonly NodeJS.Signals[], onForce: () => void): StopRequests {
  let count = 0;
  let resolveRequested: (signal: NodeJS.Signals) => void = () => {};
  const requested = new Promise<NodeJS.Signals>((resolve) => (resolveRequested = resolve));
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) resolveRequested(signal);
    else onForce();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...extra];
  for (const s of signals) process.on(s, handler);
  return {
    requested,
    get count() {
      return count;
    },
    dispose() {
      for (const s of signals) process.off(s, handler);
    },
  };
}

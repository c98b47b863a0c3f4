// Ctrl-C handling for the long-running commands: the first SIGINT (or SIGTERM, or SIGHUP: the
// terminal closed) asks for a clean stop (final checkpoint, workers told to end); a second one
// forces it. A run also stops cleanly when the process that launched it goes away (`timeout 60
// npx dgm train`: npx dies of the SIGTERM and does not pass it on), as torchrun's workers do by
// their death signal: Node has no prctl(PR_SET_PDEATHSIG), so the parent pid is polled.

/** Set to 1 to let a run outlive the process that started it (`DGM_DETACHED=1 dgm train ... &`). */
export const DETACHED_ENV = 'DGM_DETACHED';

/** How often the parent pid is read: a launcher's end is noticed within this. */
const PARENT_POLL_MS = 500;

export interface StopRequests {
  /** Resolves with the signal of the first stop request (SIGHUP when the launching process went away). */
  requested: Promise<NodeJS.Signals>;
  /** Signal count so far. */
  readonly count: number;
  /** Removes the handlers. */
  dispose(): void;
}

export interface ParentWatch {
  /** Called once when the parent process is gone (this process was reparented), with its pid. */
  onGone: (parentPid: number) => void;
}

/**
 * Installs SIGINT/SIGTERM/SIGHUP handlers, and handlers for `extra` signals that mean the same (a
 * scheduler's warning, such as Slurm's --signal=USR1@90). `onForce` runs on the second signal
 * (the user insists). With `parent`, the parent's going away is a stop request too.
 */
export function listenForStop(extra: readonly NodeJS.Signals[], onForce: () => void, parent?: ParentWatch): StopRequests {
  let count = 0;
  let resolveRequested: (signal: NodeJS.Signals) => void = () => {};
  const requested = new Promise<NodeJS.Signals>((resolve) => (resolveRequested = resolve));
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) resolveRequested(signal);
    else onForce();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', ...extra];
  for (const s of signals) process.on(s, handler);
  let poll: NodeJS.Timeout | undefined;
  if (parent) {
    const parentPid = process.ppid;
    poll = setInterval(() => {
      if (process.ppid === parentPid) return;
      clearInterval(poll);
      parent.onGone(parentPid);
      if (count === 0) handler('SIGHUP');
    }, PARENT_POLL_MS);
    poll.unref();
  }
  return {
    requested,
    get count() {
      return count;
    },
    dispose() {
      clearInterval(poll);
      for (const s of signals) process.off(s, handler);
    },
  };
}

/** The parent watch of a run's launcher, unless DGM_DETACHED=1 asks the run to outlive it. */
export function launcherWatch(env: NodeJS.ProcessEnv, onGone: (parentPid: number) => void): ParentWatch | undefined {
  return env[DETACHED_ENV] === '1' ? undefined : { onGone };
}

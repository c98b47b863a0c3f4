// A worker session's queue: the messages that need the replica or its plane (the handshake's
// WELCOME, STATE, STEP, a plane's setup, SNAPSHOT_REQUEST, ABORT's answer) run one after
// another, in the order they came. An ABORT withdraws what was queued before it and had not
// run yet (a STEP sent ahead, a setup for members that changed again): each such task carries the
// count of ABORTs at the time it was queued (its ticket) and is dropped if that count moved.
// A task that throws ends the session.
export class WorkQueue {
  private tail: Promise<void> = Promise.resolve();
  /** ABORTs received: a task queued under an older count was withdrawn. */
  private aborts = 0;

  constructor(
    /** Whether the session ended (nothing more runs). */
    private readonly ended: () => boolean,
    /** A task threw: the session ends with it. */
    private readonly failed: (error: Error) => void,
    /** A withdrawn task was dropped (counted and logged sparingly by the session). */
    private readonly dropped: (what: string, reason: string) => void,
  ) {}

  /** Runs `task` after everything queued before it. */
  push(task: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.ended()) return;
      try {
        await task();
      } catch (error) {
        this.failed(error as Error);
      }
    });
  }

  /** Like push, unless an ABORT comes before it runs: then it is dropped (`what` says which message). */
  pushWithdrawable(what: string, task: () => Promise<void>): void {
    const ticket = this.aborts;
    this.push(async () => (ticket === this.aborts ? task() : this.dropped(`dropped a ${what} withdrawn by an ABORT`, what)));
  }

  /** An ABORT came: everything queued so far that can be withdrawn is. */
  withdrawAll(): void {
    this.aborts++;
  }

  /** Resolves once every queued task ran. */
  drained(): Promise<void> {
    return this.tail;
  }
}

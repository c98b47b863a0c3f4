// Liveness. A worker's JavaScript may be busy for seconds inside one step, so silence from it
// proves nothing. What does: ZeroMQ's own heartbeats (run by its I/O thread, even while
// JavaScript is busy) close the connection of a dead or frozen peer after the timeout, a killed
// process's socket closes at once, and with Router.mandatory a send to a peer whose connection
// is gone fails. So the coordinator sends every worker a HEARTBEAT every interval (and at once
// when a connection drops): a failed send means that worker is lost. A worker that is alive but
// never answers is caught by the step timeout.
import type { Member } from './membership.js';
import type { WorkerRouter } from './worker-router.js';

export class LivenessProbe {
  private readonly probing = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: string,
    private readonly router: WorkerRouter,
    /** Who is probed: the members, and in an elastic run the workers waiting to join (they must hear from us too). */
    private readonly probed: () => readonly Member[],
    /** A member whose HEARTBEAT could not be sent: it is gone. */
    private readonly lost: (member: Member, why: string) => void,
  ) {}

  /** Probes every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    this.timer ??= setInterval(() => this.probe(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends HEARTBEAT to every member; a failed send means the member is gone. */
  probe(): void {
    for (const m of this.probed()) {
      if (this.probing.has(m.rank)) continue; // a send to it is still pending
      this.probing.add(m.rank);
      this.router
        .send(m.peer, { type: 'HEARTBEAT', run: this.run })
        .then(() => this.probing.delete(m.rank))
        .catch((error: NodeJS.ErrnoException) => {
          this.probing.delete(m.rank);
          // Router.mandatory's EHOSTUNREACH ("Host unreachable") means the peer's connection is
          // gone, most often because its process ended: not a network fault, and not said as one.
          this.lost(m, error.code === 'EHOSTUNREACH' ? 'its connection closed: the process ended, or its host dropped off the network' : error.message);
        });
    }
  }
}

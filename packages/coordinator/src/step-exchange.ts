// One training step across the workers: send each rank its slice (STEP), let the run's data
// plane average every phase (its coordinator end gets the plane's messages straight from the
// run's router), and collect every rank's DONE. Bounded by the step timeout; abort() ends it at
// once (e.g. a worker died).
import { BoundedWait, type DoneMessage, type Message } from '@dgm/protocol';
import type { CoordinatorPlaneEnd } from '@dgm/plane';
import { WorkerFailedError, WorkerLostError } from './errors.js';
import type { Member } from './membership.js';

export interface StepOutcome {
  done: DoneMessage[];
  /** The phases averaged, in order. */
  phases: string[];
}

interface Round {
  step: number;
  done: Map<number, DoneMessage>;
  wait: BoundedWait<StepOutcome>;
}

export class StepExchange {
  private round: Round | null = null;

  constructor(
    private readonly runId: string,
    private readonly members: () => Member[],
    private readonly send: (member: Member, message: Message) => Promise<void>,
    private readonly stepTimeoutMs: number,
    /** Reports a message that broke the step protocol (logged and dropped, not fatal). */
    private readonly dropped: (member: Member, reason: string) => void,
    /** The data plane's coordinator end, which averages the phases of every step. */
    private readonly plane: CoordinatorPlaneEnd<Member>,
  ) {}

  /** Runs step `step`: `slices[rank]` are the global sample indices rank computes. */
  async run(step: number, epoch: number, slices: Int32Array[]): Promise<StepOutcome> {
    if (this.round) throw new Error(`step ${step} started while step ${this.round.step} is running`);
    const done = new Map<number, DoneMessage>();
    const wait = new BoundedWait<StepOutcome>(this.stepTimeoutMs, () => {
      const missing = this.members().filter((m) => !done.has(m.rank));
      this.forget();
      return new WorkerLostError(
        `step ${step} did not finish within ${this.stepTimeoutMs} ms: no answer from ${missing.map((m) => `rank ${m.rank} (pid ${m.pid} on ${m.host}, last heard ${Date.now() - m.lastHeard} ms ago)`).join(', ')}.`,
      );
    });
    this.round = { step, done, wait };
    this.plane.begin(step);
    // Sends are started together; a failed send means the peer is gone.
    await Promise.all(
      this.members().map((m) =>
        this.send(m, { type: 'STEP', run: this.runId, step, epoch, indices: slices[m.rank] }).catch((error: Error) =>
          this.abort(new WorkerLostError(`could not send step ${step} to rank ${m.rank} (pid ${m.pid} on ${m.host}): ${error.message}.`)),
        ),
      ),
    );
    return wait.promise;
  }

  onDone(member: Member, m: DoneMessage): void {
    const r = this.round;
    if (!r || m.step !== r.step) return this.dropped(member, `DONE for step ${m.step} while ${r ? `step ${r.step}` : 'no step'} is running`);
    if (m.error !== null) {
      this.abort(new WorkerFailedError(`rank ${member.rank} (pid ${member.pid} on ${member.host}) failed at step ${m.step}: ${m.error}`));
      return;
    }
    r.done.set(member.rank, m);
    const members = this.members();
    if (r.done.size < members.length) return;
    const phases = [...this.plane.phases];
    this.forget();
    r.wait.resolve({ done: members.map((mm) => r.done.get(mm.rank)!), phases });
  }

  /** Ends the running step (if any) with `error` and forgets the plane's partial rounds. */
  abort(error: Error): void {
    const r = this.round;
    this.forget();
    r?.wait.reject(error);
  }

  private forget(): void {
    this.round = null;
    this.plane.reset();
  }
}

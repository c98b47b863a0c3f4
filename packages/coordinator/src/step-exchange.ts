// One training step across the workers: send each rank its slice (STEP), let the run's data
// plane average every phase (its coordinator end gets the plane's messages straight from the
// run's router), and collect every rank's DONE. Bounded by the step timeout; abort() ends it at
// once (e.g. a worker died).
//
// Steps may overlap by one: STEP k+1 can go out while step k's DONEs are still being collected
// (send(k+1) before wait(k)), so a worker starts step k+1 the moment it finished step k instead
// of waiting for the coordinator's round trip (DONE in, STEP out). The plane serves one step at a
// time, and it is done with step k when the FIRST DONE of step k arrives: a worker says DONE only
// after every phase of the step was averaged, and its own plane messages of step k+1 follow its
// DONE on the same connection. So the plane begins step k+1 then (or when STEP k+1 is sent, if
// later).
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
  /** The phases the plane averaged in this step, once it is done with it (the step's first DONE). */
  phases: string[] | null;
}

/** What the exchange does when a member cannot be reached or does not answer (the run's rule: stop, or drop it in an elastic run). */
export interface ExchangeFaults {
  /** A send to `member` failed: `error` says so. */
  lost(member: Member, error: WorkerLostError): void;
  /** The step timed out with these members silent; returns the error the step ends with. */
  timedOut(missing: Member[], error: WorkerLostError): Error;
}

export class StepExchange {
  /** The step being collected and, sent ahead of it, the next one: at most two, in step order. */
  private rounds: Round[] = [];
  /** Each started step's outcome until wait() takes it (a step sent ahead may finish before its wait). */
  private readonly outcomes = new Map<number, Promise<StepOutcome>>();

  constructor(
    private readonly runId: string,
    private readonly members: () => Member[],
    private readonly send: (member: Member, message: Message) => Promise<void>,
    private readonly stepTimeoutMs: number,
    /** Reports a message that broke the step protocol (logged and dropped, not fatal). */
    private readonly dropped: (member: Member, reason: string) => void,
    /** The data plane's coordinator end, which averages the phases of every step. */
    private readonly plane: CoordinatorPlaneEnd<Member>,
    /** Default: a member that cannot be reached ends the running steps with the error. */
    private readonly faults: ExchangeFaults = { lost: (_m, error) => this.abort(error), timedOut: (_missing, error) => error },
  ) {}

  /** Runs step `step`: `slices[i]` are the global sample indices the i-th member (in rank order) computes. */
  async run(step: number, epoch: number, slices: Int32Array[]): Promise<StepOutcome> {
    const sent = this.start(step, epoch, slices); // the step is registered before this returns
    const outcome = this.wait(step);
    await sent;
    return outcome;
  }

  /** Whether STEP `step` went out and nobody waited for its outcome yet. */
  started(step: number): boolean {
    return this.outcomes.has(step);
  }

  /**
   * Sends STEP `step` to every member, the i-th its slices[i]; its DONEs are collected from now
   * on (wait() for them). At most one step ahead of the one being collected, and only the next
   * one. `from`: the step is redone from that phase (the ones before it are applied everywhere).
   */
  async start(step: number, epoch: number, slices: Int32Array[], from?: string): Promise<void> {
    const previous = this.rounds.at(-1);
    if (this.rounds.length >= 2 || (previous && previous.step !== step - 1)) {
      throw new Error(`step ${step} started while step${this.rounds.length > 1 ? 's' : ''} ${this.rounds.map((r) => r.step).join(' and ')} ${this.rounds.length > 1 ? 'are' : 'is'} running`);
    }
    const done = new Map<number, DoneMessage>();
    const wait = new BoundedWait<StepOutcome>(this.stepTimeoutMs, () => {
      const missing = this.members().filter((m) => !done.has(m.rank));
      this.forget();
      return this.faults.timedOut(missing, new WorkerLostError(
        `step ${step} did not finish within ${this.stepTimeoutMs} ms: no answer from ${missing.map((m) => `rank ${m.rank} (pid ${m.pid} on ${m.host}, last heard ${Date.now() - m.lastHeard} ms ago)`).join(', ')}.`,
      ));
    });
    wait.promise.catch(() => undefined); // a step sent ahead may fail before anyone waits for it
    this.outcomes.set(step, wait.promise);
    this.rounds.push({ step, done, wait, phases: null });
    // The plane takes this step now unless the previous one is still being averaged.
    if (!previous || previous.phases !== null) this.plane.begin(step);
    // Sends are started together; a failed send means the peer is gone.
    await Promise.all(
      this.members().map((m, i) =>
        this.send(m, { type: 'STEP', run: this.runId, step, epoch, indices: slices[i], ...(from === undefined ? {} : { from }) }).catch((error: Error) =>
          this.faults.lost(m, new WorkerLostError(`could not send step ${step} to rank ${m.rank} (pid ${m.pid} on ${m.host}): ${error.message}.`)),
        ),
      ),
    );
  }

  /** Resolves with every rank's DONE of `step` (started before). */
  wait(step: number): Promise<StepOutcome> {
    const outcome = this.outcomes.get(step);
    if (!outcome) return Promise.reject(new Error(`step ${step} was not started`));
    this.outcomes.delete(step);
    return outcome;
  }

  onDone(member: Member, m: DoneMessage): void {
    const r = this.rounds.find((x) => x.step === m.step);
    if (!r) {
      const running = this.rounds.length === 0 ? 'no step' : `step ${this.rounds.map((x) => x.step).join(' and ')}`;
      return this.dropped(member, `DONE for step ${m.step} while ${running} is running`);
    }
    if (m.error !== null) {
      this.abort(new WorkerFailedError(`rank ${member.rank} (pid ${member.pid} on ${member.host}) failed at step ${m.step}: ${m.error}`));
      return;
    }
    if (r.phases === null) {
      // The step's first DONE: the plane has averaged every phase of it; the next step is its own.
      r.phases = [...this.plane.phases];
      this.plane.reset();
      const next = this.rounds.find((x) => x.step === m.step + 1);
      if (next) this.plane.begin(next.step);
    }
    r.done.set(member.rank, m);
    const members = this.members();
    if (r.done.size < members.length) return;
    this.rounds = this.rounds.filter((x) => x !== r);
    r.wait.resolve({ done: members.map((mm) => r.done.get(mm.rank)!), phases: r.phases });
  }

  /** Ends the running steps (if any) with `error` and forgets the plane's partial rounds. */
  abort(error: Error): void {
    const rounds = this.rounds;
    this.forget();
    for (const r of rounds) r.wait.reject(error);
  }

  private forget(): void {
    this.rounds = []; // outcomes stay: they carry the failure to whoever waits for them
    this.plane.reset();
  }
}

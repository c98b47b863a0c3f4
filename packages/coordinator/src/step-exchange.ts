// One training step across the workers: send each rank its slice, average each phase's GRADS as
// they arrive (weighted by sample count, into the phase's preallocated buffers), send the one
// averaged buffer back to every rank, and collect every rank's DONE. GANs run two phases per
// step (D then G); the phase comes from the GRADS themselves, so the coordinator needs no copy
// of the schedule. Bounded by the step timeout; abort() ends it at once (e.g. a worker died).
//
// On the shared-memory plane (useSharedPlane) the gradients never reach the coordinator: the
// workers reduce through their segments and the coordinator is the barrier between the two
// stages of each phase, turning every rank's WRITTEN of a stage into one PROCEED to all.
import { sharedStages, type DoneMessage, type GradsMessage, type Message, type WrittenMessage } from '@dgm/protocol';
import { WorkerFailedError, WorkerLostError } from './errors.js';
import { GradientAverager } from './gradient-averager.js';
import type { Member } from './membership.js';

export interface StepOutcome {
  done: DoneMessage[];
  /** The phases averaged, in order. */
  phases: string[];
}

interface Round {
  step: number;
  done: Map<number, DoneMessage>;
  phases: string[];
  activePhase: string | null;
  /** Shared plane: the stage of the active phase being collected, and each rank's sample count. */
  stage: { phase: string; index: number; written: Map<number, number>; counts: number[] | null } | null;
  resolve(outcome: StepOutcome): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class StepExchange {
  private readonly averagers = new Map<string, GradientAverager>();
  private round: Round | null = null;
  private shared = false;

  constructor(
    private readonly runId: string,
    gradSizes: Record<string, number>,
    private readonly members: () => Member[],
    private readonly send: (member: Member, message: Message) => Promise<void>,
    private readonly stepTimeoutMs: number,
    /** Reports a message that broke the step protocol (logged and dropped, not fatal). */
    private readonly dropped: (member: Member, reason: string) => void,
  ) {
    for (const [phase, size] of Object.entries(gradSizes)) this.averagers.set(phase, new GradientAverager(size));
  }

  /** From now on phases are averaged on the shared-memory plane (WRITTEN/PROCEED, no GRADS). */
  useSharedPlane(): void {
    this.shared = true;
  }

  /** Runs step `step`: `slices[rank]` are the global sample indices rank computes. */
  async run(step: number, epoch: number, slices: Int32Array[]): Promise<StepOutcome> {
    if (this.round) throw new Error(`step ${step} started while step ${this.round.step} is running`);
    const outcome = new Promise<StepOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = this.members().filter((m) => !this.round?.done.has(m.rank));
        this.abort(
          new WorkerLostError(
            `step ${step} did not finish within ${this.stepTimeoutMs} ms: no answer from ${missing.map((m) => `rank ${m.rank} (pid ${m.pid} on ${m.host}, last heard ${Date.now() - m.lastHeard} ms ago)`).join(', ')}.`,
          ),
        );
      }, this.stepTimeoutMs);
      this.round = { step, done: new Map(), phases: [], activePhase: null, stage: null, resolve, reject, timer };
    });
    // Sends are started together; a failed send means the peer is gone.
    await Promise.all(
      this.members().map((m) =>
        this.send(m, { type: 'STEP', run: this.runId, step, epoch, indices: slices[m.rank] }).catch((error: Error) =>
          this.abort(new WorkerLostError(`could not send step ${step} to rank ${m.rank} (pid ${m.pid} on ${m.host}): ${error.message}.`)),
        ),
      ),
    );
    return outcome;
  }

  onGrads(member: Member, m: GradsMessage): void {
    const r = this.round;
    if (this.shared) return this.dropped(member, 'GRADS while gradients are averaged through shared memory');
    if (!r || m.step !== r.step) return this.dropped(member, `GRADS for step ${m.step} while ${r ? `step ${r.step}` : 'no step'} is running`);
    if (r.activePhase !== null && m.phase !== r.activePhase) {
      return this.dropped(member, `GRADS for phase '${m.phase}' while phase '${r.activePhase}' of step ${r.step} is still being averaged`);
    }
    // A phase runs at most once per step (Trainer.phasesAt): a late duplicate must not open a new
    // round, which would hold the step's next phase off until the step timeout.
    if (r.phases.includes(m.phase)) return this.dropped(member, `GRADS for phase '${m.phase}' of step ${r.step}, which was already averaged`);
    const avg = this.averagers.get(m.phase)!; // the decoder checked the phase against the manifest
    const members = this.members();
    if (avg.contributors.has(member.rank)) return this.dropped(member, `a second GRADS for phase '${m.phase}' of step ${r.step}`);
    r.activePhase = m.phase;
    if (avg.contributors.size + 1 < members.length) {
      avg.add(member.rank, m.grads, m.sampleCount);
      return;
    }
    const { grads } = avg.addLast(member.rank, m.grads, m.sampleCount)!;
    r.activePhase = null;
    r.phases.push(m.phase);
    const reduced: Message = { type: 'REDUCED', run: this.runId, step: r.step, phase: m.phase, grads };
    for (const target of members) {
      this.send(target, reduced).catch((error: Error) =>
        this.abort(new WorkerLostError(`could not send averaged gradients to rank ${target.rank} (pid ${target.pid} on ${target.host}): ${error.message}.`)),
      );
    }
  }

  onWritten(member: Member, m: WrittenMessage): void {
    const r = this.round;
    if (!this.shared) return this.dropped(member, 'WRITTEN while gradients travel through the coordinator');
    if (!r || m.step !== r.step) return this.dropped(member, `WRITTEN for step ${m.step} while ${r ? `step ${r.step}` : 'no step'} is running`);
    if (r.phases.includes(m.phase)) return this.dropped(member, `WRITTEN for phase '${m.phase}' of step ${r.step}, which was already averaged`);
    if (r.activePhase !== null && m.phase !== r.activePhase) {
      return this.dropped(member, `WRITTEN for phase '${m.phase}' while phase '${r.activePhase}' of step ${r.step} is still being averaged`);
    }
    const members = this.members();
    const stages = sharedStages(this.averagers.get(m.phase)!.size, members.length);
    const s = (r.stage ??= { phase: m.phase, index: 0, written: new Map(), counts: null });
    const stage = stages[s.index]!;
    if (m.stage !== stage) return this.dropped(member, `WRITTEN '${m.stage}' while stage '${stage}' of phase '${s.phase}' is collected`);
    if (s.written.has(member.rank)) return this.dropped(member, `a second WRITTEN '${m.stage}' for phase '${m.phase}' of step ${r.step}`);
    r.activePhase = m.phase;
    s.written.set(member.rank, m.sampleCount);
    if (s.written.size < members.length) return;
    // Every rank wrote this stage: let all of them read it. The counts of the first stage weigh
    // the average; a second stage repeats them.
    const counts = s.counts ?? members.map((mm) => s.written.get(mm.rank)!);
    const proceed: Message = { type: 'PROCEED', run: this.runId, step: r.step, phase: m.phase, stage, counts };
    if (s.index + 1 < stages.length) r.stage = { phase: m.phase, index: s.index + 1, written: new Map(), counts };
    else {
      r.stage = null;
      r.activePhase = null;
      r.phases.push(m.phase);
    }
    for (const target of members) {
      this.send(target, proceed).catch((error: Error) =>
        this.abort(new WorkerLostError(`could not send PROCEED to rank ${target.rank} (pid ${target.pid} on ${target.host}): ${error.message}.`)),
      );
    }
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
    this.settle()?.resolve({ done: members.map((mm) => r.done.get(mm.rank)!), phases: r.phases });
  }

  /** Ends the running step (if any) with `error` and forgets partial sums. */
  abort(error: Error): void {
    this.settle()?.reject(error);
  }

  private settle(): Round | null {
    const r = this.round;
    if (!r) return null;
    clearTimeout(r.timer);
    this.round = null;
    for (const avg of this.averagers.values()) avg.reset();
    return r;
  }
}

// The shared-memory plane's coordinator end: the barrier between the stages of each phase. The
// gradients never reach the coordinator; it turns every rank's WRITTEN of a stage into one
// PROCEED to all, carrying every rank's sample count (the weights of the average).
import type { Message, SharedStage, WrittenMessage } from '@dgm/protocol';
import type { PlaneName } from '../names.js';
import type { CoordinatorPlaneContext, CoordinatorPlaneEnd, PlaneMember } from '../api.js';
import { sharedStages } from './stages.js';

interface Stage {
  phase: string;
  index: number;
  written: Map<number, number>;
  counts: number[] | null;
}

export class SharedBarrier<M extends PlaneMember> implements CoordinatorPlaneEnd<M> {
  private step: number | null = null;
  private active: string | null = null;
  private stage: Stage | null = null;
  private done: string[] = [];

  constructor(
    private readonly ctx: CoordinatorPlaneContext<M>,
    /** The plane it serves: the hierarchical plane uses the same barrier for its shared-memory stages. */
    readonly name: PlaneName = 'shared',
    /** The stages of a phase of `size` floats among `worldSize` ranks. */
    private readonly stagesOf: (size: number, worldSize: number) => readonly SharedStage[] = sharedStages,
  ) {}

  get phases(): readonly string[] {
    return this.done;
  }

  begin(step: number): void {
    this.reset();
    this.step = step;
  }

  onMessage(member: M, message: Message): void {
    if (message.type === 'WRITTEN') this.onWritten(member, message);
    else this.ctx.dropped(member, `${message.type} is not a message of the shared-memory plane`);
  }

  private onWritten(member: M, m: WrittenMessage): void {
    const step = this.step;
    const drop = (reason: string) => this.ctx.dropped(member, reason);
    if (step === null || m.step !== step) return drop(`WRITTEN for step ${m.step} while ${step !== null ? `step ${step}` : 'no step'} is running`);
    if (this.done.includes(m.phase)) return drop(`WRITTEN for phase '${m.phase}' of step ${step}, which was already averaged`);
    if (this.active !== null && m.phase !== this.active) {
      return drop(`WRITTEN for phase '${m.phase}' while phase '${this.active}' of step ${step} is still being averaged`);
    }
    const members = this.ctx.members();
    const stages = this.stagesOf(this.ctx.gradSizes[m.phase]!, members.length); // the decoder checked the phase
    const s = (this.stage ??= { phase: m.phase, index: 0, written: new Map(), counts: null });
    const stage = stages[s.index]!;
    if (m.stage !== stage) return drop(`WRITTEN '${m.stage}' while stage '${stage}' of phase '${s.phase}' is collected`);
    if (s.written.has(member.rank)) return drop(`a second WRITTEN '${m.stage}' for phase '${m.phase}' of step ${step}`);
    this.active = m.phase;
    s.written.set(member.rank, m.sampleCount);
    if (s.written.size < members.length) return;
    // Every rank wrote this stage: let all of them read it. The counts of the first stage weigh
    // the average; a second stage repeats them.
    const counts = s.counts ?? members.map((mm) => s.written.get(mm.rank)!);
    const proceed: Message = { type: 'PROCEED', run: this.ctx.run, step, phase: m.phase, stage, counts };
    if (s.index + 1 < stages.length) this.stage = { phase: m.phase, index: s.index + 1, written: new Map(), counts };
    else {
      this.stage = null;
      this.active = null;
      this.done.push(m.phase);
    }
    for (const target of members) {
      this.ctx.send(target, proceed).catch((error: Error) => this.ctx.lost(target, 'PROCEED', error));
    }
  }

  reset(): void {
    this.step = null;
    this.active = null;
    this.stage = null;
    this.done = [];
  }
}

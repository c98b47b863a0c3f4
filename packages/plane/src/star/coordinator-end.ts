// The star's coordinator end: every rank sends a phase's gradient as GRADS; when the last one is
// in, the average (gradient-averager.ts) goes back to every rank as one REDUCED. GANs run two
// phases per step (D then G); the phase comes from the GRADS themselves, so the coordinator
// needs no copy of the schedule.
import type { GradsMessage, Message } from '@dgm/protocol';
import type { CoordinatorPlaneContext, CoordinatorPlaneEnd, PlaneMember } from '../api.js';
import { GradientAverager } from './gradient-averager.js';

export class StarRound<M extends PlaneMember> implements CoordinatorPlaneEnd<M> {
  readonly name = 'star';
  private readonly averagers = new Map<string, GradientAverager>();
  private step: number | null = null;
  private active: string | null = null;
  private done: string[] = [];

  constructor(private readonly ctx: CoordinatorPlaneContext<M>) {
    const worldSize = ctx.members().length;
    for (const [phase, size] of Object.entries(ctx.gradSizes)) this.averagers.set(phase, new GradientAverager(size, worldSize));
  }

  get phases(): readonly string[] {
    return this.done;
  }

  begin(step: number): void {
    this.reset();
    this.step = step;
  }

  onMessage(member: M, message: Message): void {
    if (message.type === 'GRADS') this.onGrads(member, message);
    else this.ctx.dropped(member, `${message.type} is not a message of the star plane`);
  }

  private onGrads(member: M, m: GradsMessage): void {
    const step = this.step;
    const drop = (reason: string) => this.ctx.dropped(member, reason);
    if (step === null || m.step !== step) return drop(`GRADS for step ${m.step} while ${step !== null ? `step ${step}` : 'no step'} is running`);
    if (this.active !== null && m.phase !== this.active) {
      return drop(`GRADS for phase '${m.phase}' while phase '${this.active}' of step ${step} is still being averaged`);
    }
    // A phase runs at most once per step (Trainer.phasesAt): a late duplicate must not open a new
    // round, which would hold the step's next phase off until the step timeout.
    if (this.done.includes(m.phase)) return drop(`GRADS for phase '${m.phase}' of step ${step}, which was already averaged`);
    const avg = this.averagers.get(m.phase)!; // the decoder checked the phase against the manifest
    // By position among the members, not by rank: after an elastic run lost a worker the ranks
    // (identities) have gaps, and the average is taken in the members' order either way.
    const position = this.ctx.members().indexOf(member);
    if (position < 0 || position >= avg.worldSize) return drop(`GRADS from rank ${member.rank}, which is not a member of this round`);
    if (avg.has(position)) return drop(`a second GRADS for phase '${m.phase}' of step ${step}`);
    this.active = m.phase;
    avg.add(position, m.grads, m.sampleCount);
    if (!avg.complete) return;
    const { grads } = avg.finish();
    this.active = null;
    this.done.push(m.phase);
    const reduced: Message = { type: 'REDUCED', run: this.ctx.run, step, phase: m.phase, grads };
    for (const target of this.ctx.members()) {
      this.ctx.send(target, reduced).catch((error: Error) => this.ctx.lost(target, 'averaged gradients', error));
    }
  }

  reset(): void {
    this.step = null;
    this.active = null;
    this.done = [];
    for (const avg of this.averagers.values()) avg.reset();
  }
}

// The run's steps, from the first to the last (or until a stop): each step's metrics line, and
// between steps the replica checks, checkpoints and grids that are due. In an elastic run a change
// of members is settled before the next step (membership-change.ts): a step broken off by a loss
// is redone by the survivors from its first phase not applied, and a check broken off is tried
// again with them.
import type { ReplicaModel } from '@dgm/core';
import type { EpochSampler } from '@dgm/core/node';
import { MembershipChangedError } from './errors.js';
import type { MembershipChanges } from './membership-change.js';
import type { ResolvedCoordinatorOptions } from './options.js';
import { verifyReplicas } from './replica-checks.js';
import type { RunOutputs } from './run-outputs.js';
import type { RunPlane } from './run-plane.js';
import type { RunServices } from './run-services.js';
import type { SkippedSteps } from './skipped-steps.js';
import { followsDirectly, recoveredStep, runStep } from './step-record.js';

export interface StepLoopContext {
  s: RunServices;
  o: ResolvedCoordinatorOptions;
  parts: ReplicaModel;
  sampler: EpochSampler;
  outputs: RunOutputs;
  skips: SkippedSteps;
  changes: MembershipChanges;
  planes: RunPlane;
  /** Whether a stop was asked (the run ends after the step in flight). */
  stopAsked(): boolean;
}

export interface LoopEnd {
  /** Steps completed. */
  step: number;
  lastCheck: { step: number; hash: string } | null;
}

/** Runs the steps from `startStep` on; resolves with where the loop ended. */
export async function runSteps(c: StepLoopContext, startStep: number): Promise<LoopEnd> {
  const { o, s, changes, outputs } = c;
  let step = startStep;
  let lastCheck: LoopEnd['lastCheck'] = null;
  const between = { steps: o.config.steps, checkEvery: o.checkEvery, checkpointEvery: o.checkpointEvery, sampleEvery: o.sampleEvery };
  // A step whose STEP went out ahead is finished even after a stop request or past the skip
  // limit: workers compute it anyway. So is a step redone from a later phase (`from`): its
  // first phases are applied, and a checkpoint must not hold half a step.
  const going = () => !c.stopAsked() && c.skips.overLimit === null && changes.stopReason === null;
  let from: string | undefined;
  // A change of members is settled even when the run is about to end: the replicas must stand
  // still and level for the final check and checkpoint.
  while (step < o.config.steps && (going() || c.planes.exchange!.started(step) || from !== undefined || changes.due)) {
    changes.at(step);
    if (changes.due) {
      const at = await s.race(changes.settle(step));
      // Steps a replica finished before the others were brought level (shared plane): their line, without losses.
      for (; step < at.step; step++) outputs.recordStep(recoveredStep(step, c.sampler, c.parts.trainer, s.membership.members.length));
      from = at.applied.length > 0 ? c.parts.trainer.phasesAt(step)[at.applied.length] : undefined;
      continue;
    }
    const sendNext = going() && from === undefined && changes.waiting.length === 0 && followsDirectly(between, step + 1);
    let record;
    try {
      record = await runStep(s, c.planes.exchange!, c.sampler, step, c.parts.trainer, c.skips, sendNext, from);
    } catch (error) {
      if (!(error instanceof MembershipChangedError)) throw error;
      changes.requireSettle(); // settled at the top, then redone
      continue;
    }
    from = undefined;
    const events = changes.takeEvents();
    outputs.recordStep(events ? { ...record, membership: events } : record);
    step++;
    const last = step === o.config.steps;
    const due = (every: number) => every > 0 && step % every === 0 && !last;
    if (due(o.checkEvery)) lastCheck = await steady(c, step, async () => ({ step, hash: await verifyReplicas(s, c.parts.model, step) }));
    if (due(o.checkpointEvery)) await steady(c, step, () => outputs.checkpoint(step));
    if (due(o.sampleEvery)) await steady(c, step, () => outputs.samples(step));
  }
  return { step, lastCheck };
}

/**
 * `op` between steps (a check, a checkpoint, a grid), with the replicas standing at `step`: a
 * member lost meanwhile is settled and `op` tried again with the others. Null when no worker is left.
 */
export async function steady<T>(c: Pick<StepLoopContext, 's' | 'changes'>, step: number, op: () => Promise<T>): Promise<T | null> {
  for (;;) {
    if (c.s.membership.members.length === 0) return null;
    try {
      return await op();
    } catch (error) {
      if (!(error instanceof MembershipChangedError)) throw error;
      await c.s.race(c.changes.settle(step));
    }
  }
}

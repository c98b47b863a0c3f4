// The end of a run's steps: a last replica check, the final state and checkpoint (taken from a
// live replica: in an elastic run, whichever is left), STOP to all, and the run's result, or the
// one sentence that says why it stopped early (too many skipped steps, too many workers lost,
// too few left, a stop asked).
import { unpackTensors } from '@dgm/protocol';
import { MembershipStopError, RunStoppedError } from './errors.js';
import { verifyReplicas } from './replica-checks.js';
import type { CoordinatorResult } from './run-result.js';
import { steady, type LoopEnd, type StepLoopContext } from './step-loop.js';

export interface EndingContext extends StepLoopContext {
  /** Messages dropped over the run. */
  drops: number;
  /** Why a stop was asked, or null. */
  stopReason: string | null;
  stopAll(reason: string, error: boolean): Promise<void>;
}

export async function finishRun(c: EndingContext, step: number, lastCheck: LoopEnd['lastCheck']): Promise<CoordinatorResult> {
  const { s, o, outputs } = c;
  const finalHash = lastCheck?.step === step ? lastCheck.hash : await steady(c, step, () => verifyReplicas(s, c.parts.model, step));
  const final = await steady(c, step, () => outputs.fullSnapshot(step));
  const checkpoint = o.runDir && final ? await outputs.saveCheckpoint(step, final) : null;
  if (o.runDir && final) await steady(c, step, () => outputs.samples(step, false));
  // Too many skipped steps, too many workers lost or too few left stop the run as a stop does:
  // final checkpoint, workers told, one sentence.
  const members = c.changes.stopReason;
  const saved = checkpoint !== null ? `its checkpoint ${checkpoint}` : final ? 'no checkpoint (no run directory)' : 'no final checkpoint (no worker was left to take it from; --resume continues from the last one)';
  const poisoned = c.skips.stopError(step, checkpoint) ?? (members === null ? null : new MembershipStopError(`${members}, so the run stopped after ${step} steps with ${saved}.`));
  const stopped = poisoned?.message ?? c.stopReason;
  await c.stopAll(stopped === null ? `finished ${step} steps` : `stopped: ${stopped}`, false);
  if (stopped !== null) s.log.info('run stopped', { steps: step, reason: stopped, checkpoint });
  if (poisoned) throw poisoned;
  if (stopped !== null) throw new RunStoppedError(`the run was stopped after ${step} steps (${stopped}); its last checkpoint is ${checkpoint ?? 'not written (no run directory)'}.`);
  s.log.info('run finished', { steps: step, finalHash, checkpoint });
  return { run: s.run, steps: step, finalHash: finalHash!, checkpoint, finalState: unpackTensors(final!.entries, final!.data), droppedMessages: c.drops, dataPlane: c.planes.plane!.name };
}

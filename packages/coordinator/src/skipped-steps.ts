// Poisoned steps as the coordinator sees them. A replica never applies a phase whose averaged
// gradient holds a NaN or ±Infinity (core's phase runner; every replica sees the same average,
// so all skip alike); each worker's DONE names the phases it left out (`skipped`) and those whose
// own gradient was already non-finite (`nonFinite`). Here: one warning per skipped step naming
// the ranks and hosts that brought it, the fields of its metrics line, and the count against
// --max-skipped-steps (a run that only produces NaN stops, with a final checkpoint, instead of
// going through its steps learning nothing).
import type { DoneMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { ReplicaMismatchError, SkippedStepsError } from './errors.js';
import type { Member } from './membership.js';
import type { StepRecord } from './options.js';

/** The fields a skipped step adds to its metrics line. */
export type SkipFields = Pick<StepRecord, 'skipped' | 'nonFiniteRanks' | 'skippedSteps'>;

/** "phase d", "phases d and g". */
function phasesOf(phases: readonly string[]): string {
  return `phase${phases.length === 1 ? '' : 's'} ${phases.join(' and ')}`;
}

export class SkippedSteps {
  /** Steps with at least one phase skipped, in this process (a resumed run counts anew). */
  count = 0;
  private last: string | null = null;

  constructor(
    /** More skipped steps than this stop the run. */
    private readonly max: number,
    private readonly log: Logger,
  ) {}

  /**
   * Reads step `step`'s DONEs (in the members' rank order): warns about a poisoned step and
   * returns its metrics fields ({} for a step applied whole). Replicas that disagree on what
   * they skipped no longer hold the same weights: that stops the run.
   */
  read(step: number, done: readonly DoneMessage[], members: readonly Member[]): SkipFields {
    const skipped = done[0]?.skipped ?? [];
    members.forEach((m, i) => {
      const theirs = done[i]?.skipped ?? [];
      if (theirs.join() !== skipped.join()) {
        throw new ReplicaMismatchError(`at step ${step + 1} rank ${members[0]!.rank} skipped phases [${skipped.join(', ')}] but rank ${m.rank} (pid ${m.pid} on ${m.host}) skipped [${theirs.join(', ')}]: the replicas no longer agree.`);
      }
    });
    const poisoned = members.flatMap((m, i) => ((done[i]?.nonFinite ?? []).length > 0 ? [{ m, phases: done[i]!.nonFinite! }] : []));
    if (skipped.length === 0 && poisoned.length === 0) return {};
    const who = poisoned.map(({ m, phases }) => `rank ${m.rank} (pid ${m.pid} on ${m.host}, ${phasesOf(phases)})`).join(', ');
    const nonFiniteRanks = poisoned.map(({ m }) => m.rank);
    if (skipped.length === 0) {
      this.log.warn(`step ${step + 1}: ${who} reported a non-finite gradient, yet the average was finite and was applied`, { step: step + 1, nonFiniteRanks });
      return { nonFiniteRanks };
    }
    this.count++;
    const from = poisoned.length > 0 ? `a non-finite gradient (NaN or Infinity) from ${who}` : 'a non-finite average although every rank\'s own gradient was finite (an overflow while averaging, e.g. in the fp16 wire format)';
    this.last = `step ${step + 1}, ${poisoned.length > 0 ? `from ${nonFiniteRanks.length === 1 ? 'rank' : 'ranks'} ${nonFiniteRanks.join(', ')}` : 'an overflow while averaging'}`;
    this.log.warn(`step ${step + 1} skipped on every replica (${phasesOf(skipped)} not applied): ${from}; ${this.count} skipped of at most ${this.max}`, { step: step + 1, skipped, nonFiniteRanks, skippedSteps: this.count });
    return { skipped: [...skipped], nonFiniteRanks, skippedSteps: this.count };
  }

  /** Why the run must stop once more steps were skipped than allowed; null until then. */
  get overLimit(): string | null {
    if (this.count <= this.max) return null;
    const steps = this.count === 1 ? '1 step was' : `${this.count} steps were`;
    return `${steps} skipped for non-finite gradients, more than --max-skipped-steps ${this.max} allows (the last at ${this.last})`;
  }

  /** The run's end after `steps` steps when it stopped for too many skipped steps (null otherwise): one sentence. */
  stopError(steps: number, checkpoint: string | null): SkippedStepsError | null {
    const why = this.overLimit;
    if (why === null) return null;
    const saved = checkpoint === null ? 'no checkpoint (no run directory)' : `its checkpoint ${checkpoint}`;
    return new SkippedStepsError(`${why}, so the run stopped after ${steps} steps with ${saved}; lower --lr or check the data.`);
  }
}

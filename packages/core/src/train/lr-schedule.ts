// Learning-rate schedules, as a pure function of the training step. The step (not the
// optimizer's own iteration count) drives them, so every phase of a GAN step uses the same rate
// whatever its critic schedule, and a resumed run continues on the same curve: the step is part
// of every checkpoint.
import { TrainerInputError } from './errors.js';

/**
 * 'constant' keeps the base rate. 'cosine' anneals it from the base rate at step 0 to
 * `final` × base at step `steps` (half a cosine, as PyTorch's CosineAnnealingLR without restarts)
 * and holds it there after.
 */
export type LrSchedule = 'constant' | { kind: 'cosine'; steps: number; final?: number };

/** A validated schedule. */
export type ResolvedLrSchedule = { kind: 'constant' } | { kind: 'cosine'; steps: number; final: number };

/** Checks a Trainer's `lrSchedule` option. */
export function resolveLrSchedule(raw: unknown): ResolvedLrSchedule {
  if (raw === undefined || raw === 'constant') return { kind: 'constant' };
  const allowed = "'constant' or { kind: 'cosine', steps: <integer >= 1>, final?: <number in [0, 1]> }";
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TrainerInputError(`Trainer option 'lrSchedule' must be ${allowed}, got ${JSON.stringify(raw)}.`);
  }
  const { kind, steps, final, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (kind !== 'cosine' || !Number.isSafeInteger(steps) || (steps as number) < 1 || extra.length > 0) {
    throw new TrainerInputError(`Trainer option 'lrSchedule' must be ${allowed}, got ${JSON.stringify(raw)}.`);
  }
  if (final !== undefined && (typeof final !== 'number' || !(final >= 0 && final <= 1))) {
    throw new TrainerInputError(`Trainer option 'lrSchedule' has final ${JSON.stringify(final)}; it must be a number in [0, 1] (a fraction of lr).`);
  }
  return { kind: 'cosine', steps: steps as number, final: (final as number | undefined) ?? 0 };
}

/** The learning rate at training step `step` (0-based). */
export function learningRateAt(base: number, schedule: ResolvedLrSchedule, step: number): number {
  if (schedule.kind === 'constant') return base;
  const progress = Math.min(step, schedule.steps) / schedule.steps;
  return base * (schedule.final + (1 - schedule.final) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

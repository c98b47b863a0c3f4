// Learning-rate schedules, as a pure function of the training step. The step (not the
// optimizer's own iteration count) drives them, so every phase of a GAN step uses the same rate
// whatever its critic schedule, and a resumed run continues on the same curve: the step is part
// of every checkpoint.
import * as z from 'zod/mini';
import { field, firstProblem, withCheck } from '../schema/option-fields.js';
import { TrainerInputError } from './errors.js';

/**
 * 'constant' keeps the base rate. 'cosine' anneals it from the base rate at step 0 to
 * `final` × base at step `steps` (half a cosine, as PyTorch's CosineAnnealingLR without restarts)
 * and holds it there after.
 */
export type LrSchedule = 'constant' | { kind: 'cosine'; steps: number; final?: number };

/** A validated schedule. */
export type ResolvedLrSchedule = { kind: 'constant' } | { kind: 'cosine'; steps: number; final: number };

const ALLOWED = "'constant' or { kind: 'cosine', steps: <integer >= 1>, final?: <number in [0, 1]> }";

/** The Trainer's `lrSchedule` field; `final` out of range gets a sentence of its own. */
export const LR_SCHEDULE_FIELD = withCheck(
  field(
    z.union([
      z.literal('constant'),
      z.strictObject({ kind: z.literal('cosine'), steps: z.int().check(z.gte(1)), final: z.optional(z.unknown()) }),
    ]),
    { allowed: ALLOWED },
  ),
  (v) => v === 'constant' || v.final === undefined || (typeof v.final === 'number' && v.final >= 0 && v.final <= 1),
  (v) => `Trainer option 'lrSchedule' has final ${JSON.stringify(typeof v === 'object' ? v.final : v)}; it must be a number in [0, 1] (a fraction of lr).`,
);

/** A checked `lrSchedule` value (undefined: constant) with its defaults filled in. */
export function scheduleFrom(value: z.output<typeof LR_SCHEDULE_FIELD> | undefined): ResolvedLrSchedule {
  if (value === undefined || value === 'constant') return { kind: 'constant' };
  return { kind: 'cosine', steps: value.steps, final: (value.final as number | undefined) ?? 0 };
}

/** Checks a Trainer's `lrSchedule` option on its own. */
export function resolveLrSchedule(raw: unknown): ResolvedLrSchedule {
  const result = firstProblem({ lrSchedule: LR_SCHEDULE_FIELD }, { lrSchedule: raw });
  if (!result.ok) {
    const p = result.problem;
    throw new TrainerInputError(p.kind === 'bad-value' && p.sentence ? p.sentence : `Trainer option 'lrSchedule' must be ${ALLOWED}, got ${JSON.stringify(raw)}.`);
  }
  return scheduleFrom(result.values.lrSchedule);
}

/** The learning rate at training step `step` (0-based). */
export function learningRateAt(base: number, schedule: ResolvedLrSchedule, step: number): number {
  if (schedule.kind === 'constant') return base;
  const progress = Math.min(step, schedule.steps) / schedule.steps;
  return base * (schedule.final + (1 - schedule.final) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

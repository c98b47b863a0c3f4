// `--resume` keeps a run's trajectory: the settings that decide it must match the stored ones.
import { UsageError } from '../errors.js';
import { describeSource, type TrainFieldName, type ValueSource } from './fields.js';

/** Settings that decide a run's trajectory: a resumed run must keep them. */
export const TRAJECTORY_FIELDS: readonly TrainFieldName[] = ['model', 'loss', 'dataset', 'batch-size', 'lr', 'lr-schedule', 'normalization', 'ema', 'refine', 'augment', 'beta', 'conditional', 'seed'];

/**
 * A resumed run keeps its trajectory settings: any explicitly given value that differs from the
 * stored one is refused (defaults never conflict, so `--resume dir` alone always matches).
 */
export function checkResumeCompatible(
  dir: string,
  stored: Record<string, unknown>,
  given: Partial<Record<TrainFieldName, unknown>>,
  sources: Partial<Record<TrainFieldName, ValueSource>>,
): void {
  for (const key of TRAJECTORY_FIELDS) {
    if (given[key] === undefined) continue;
    if (JSON.stringify(given[key]) !== JSON.stringify(stored[key] ?? null)) {
      throw new UsageError(
        `--resume ${dir}: that run was trained with ${key} ${stored[key] === null || stored[key] === undefined ? '(the default)' : JSON.stringify(stored[key])} but ${describeSource(
          sources[key] ?? { flag: key },
        )} asks for ${JSON.stringify(given[key])}; drop it to continue the run, or start a new run with another --out.`,
      );
    }
  }
}

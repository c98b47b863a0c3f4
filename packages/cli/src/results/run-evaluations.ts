// An evaluation kept with its run: appended to <run>/eval.jsonl and shown in <run>/report.html
// (rewritten at once), when the checkpoint lies in a run directory (<run>/checkpoints/step-N).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Evaluation } from './evaluation.js';
import type { TrainedModel } from './trained-model.js';

/** The run directory holding the checkpoint `dir`, or null for a checkpoint copied elsewhere. */
export function runDirOf(checkpointDir: string): string | null {
  const parent = dirname(checkpointDir);
  const run = dirname(parent);
  return basename(parent) === 'checkpoints' && existsSync(join(run, 'config.json')) ? run : null;
}

/** Appends `evaluation` of `trained` to its run's eval.jsonl and rewrites the report; resolves with the report's path (null: no run directory). */
export async function recordEvaluation(trained: TrainedModel, evaluation: Evaluation): Promise<string | null> {
  const run = runDirOf(trained.dir);
  if (run === null) return null;
  const { appendEvaluation, writeReport } = await import('@dgm/report');
  await appendEvaluation(run, { time: new Date().toISOString(), step: trained.state.step, checkpoint: trained.dir, ...evaluation });
  return (await writeReport(run)).path;
}

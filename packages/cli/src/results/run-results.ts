// What a run prints when it ends: where its files are and how good the model is (finished), or
// where it stopped and how to continue it (interrupted).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlaneName } from '@dgm/plane/names';
import type { CoordinatorOutcome } from '../launch/runtime.js';
import type { TrainPlan } from '../launch/train-plan.js';
import type { Reporter } from '../progress/reporter.js';
import { DEFAULT_EVAL_COUNT, evaluateModel, formatEvaluation, GAN_SCORED_DATASETS, type Evaluation } from './evaluation.js';
import { writeSampleGrid } from './sample-grid.js';
import { recordEvaluation } from './run-evaluations.js';
import { loadTrainedModel } from './trained-model.js';

/** Rewrites the run's report.html; resolves with its path. */
async function writeRunReport(runDir: string): Promise<string> {
  const { writeReport } = await import('@dgm/report');
  return (await writeReport(runDir)).path;
}

/** The result of an interrupted run: where it stopped, how to continue it, and its report (rewritten now the run has its last word). */
export async function reportInterrupted(reporter: Reporter, outcome: CoordinatorOutcome, runDir: string, command: 'train' | 'coordinator' | 'launch'): Promise<void> {
  // No report for a run that never started (its directory may not even exist).
  const report = existsSync(join(runDir, 'config.json')) ? await writeRunReport(runDir).catch(() => null) : null;
  const lines = outcome.checkpointDir
    ? [`Interrupted at step ${outcome.step}; checkpoint ${outcome.checkpointDir}`, `Continue with: dgm ${command} --resume ${runDir}`]
    : ['Interrupted before any checkpoint was written; nothing to resume.'];
  if (report) lines.push(`Report: ${report}`);
  reporter.result({ status: 'interrupted', runDir, step: outcome.step, checkpoint: outcome.checkpointDir, report }, lines);
}

/** The end of a finished run: sample grid and, for VAEs, the test ELBO, printed to stdout. */
export async function reportFinished(plan: TrainPlan, reporter: Reporter, checkpointDir: string | null, dataPlane: PlaneName | null): Promise<void> {
  const { settings } = plan;
  const trained = await loadTrainedModel(checkpointDir ?? settings.out, plan.localBackend);
  try {
    const step = trained.state.step;
    // The coordinator draws the grid of the last step; draw one only if it could not.
    let grid = join(settings.out, 'samples', `step-${String(step).padStart(6, '0')}.png`);
    if (!existsSync(grid)) {
      grid = join(settings.out, 'samples', `final-step-${String(step).padStart(6, '0')}.png`);
      await writeSampleGrid(trained, { count: trained.model.classes ? 8 : 64, seed: settings.seed, path: grid, classes: null });
    }
    // The same numbers `dgm eval <run>` prints with its defaults. GAN scores need the classifier
    // shipped for the two bundled datasets; other GAN runs end with the grid alone.
    let evaluation: Evaluation | null = null;
    if (trained.model.family === 'vae' || GAN_SCORED_DATASETS.includes(settings.dataset)) {
      evaluation = await evaluateModel(trained, { count: DEFAULT_EVAL_COUNT, seed: 0 });
    }
    // The report gets the evaluation too: appended to eval.jsonl, the page rewritten after it.
    const report = (evaluation ? await recordEvaluation(trained, evaluation) : null) ?? (await writeRunReport(settings.out));
    reporter.result(
      { status: 'finished', runDir: settings.out, step, checkpoint: trained.dir, samples: grid, evaluation, dataPlane, report },
      [
        `Run directory: ${settings.out}`,
        `Report: ${report} (curves, sample grids, evaluation; opens offline)`,
        ...(dataPlane === 'shared' ? ['Gradients: averaged through shared memory (/dev/shm), not the coordinator'] : []),
        `Checkpoint: ${trained.dir} (step ${step})`,
        `Samples: ${grid}`,
        ...(evaluation ? formatEvaluation(evaluation) : ['(FID and classifier scores need a model trained on mnist or fashion-mnist.)']),
      ],
    );
  } finally {
    trained.dispose();
  }
}

// The one place that talks to @dgm/coordinator: starts it for a validated plan and exposes what
// the CLI needs — the endpoint, per-step reports, the end of the run and a clean stop.
import type { TrainPlan } from './train-plan.js';

/** One finished step, as the progress display needs it. */
export interface StepReport {
  step: number;
  /** 0-based epoch of the step. */
  epoch: number;
  losses: Record<string, number>;
}

/** Where a run ended. */
export interface CoordinatorOutcome {
  step: number;
  /** The last checkpoint written (the final one), or null if none could be written. */
  checkpointDir: string | null;
}

export interface CoordinatorHandle {
  /** The address workers connect to. */
  endpoint: string;
  /** Resolves when the last step is done and the final checkpoint written; rejects on failure. */
  finished: Promise<CoordinatorOutcome>;
  /** Stops early: final checkpoint, STOP to the workers. */
  stop(reason: string): Promise<CoordinatorOutcome>;
}

export interface CoordinatorStartOptions {
  bind: string;
  expectedWorkers: number;
  onStep: (report: StepReport) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Starts the coordinator of `plan`. */
export async function startRunCoordinator(plan: TrainPlan, options: CoordinatorStartOptions): Promise<CoordinatorHandle> {
  void plan;
  void options;
  const { RunFailedError } = await import('../errors.js');
  throw new RunFailedError('@dgm/coordinator does not export startCoordinator yet, so runs cannot start.');
}

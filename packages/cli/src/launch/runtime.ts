// The one place that talks to @dgm/coordinator: starts it for a validated plan and exposes what
// the CLI needs — the endpoint, per-step reports, the end of the run and a clean stop.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { BackendName } from '../config/vocabulary.js';
import type { TrainPlan } from './train-plan.js';

/** One finished step, as the progress display needs it. */
export interface StepReport {
  /** Steps completed so far (1 after the first step). */
  step: number;
  /** 0-based epoch of the step. */
  epoch: number;
  losses: Record<string, number>;
}

/** Where a run ended. */
export interface CoordinatorOutcome {
  /** Steps completed. */
  step: number;
  /** The final checkpoint, or null if none could be written. */
  checkpointDir: string | null;
  /** Where gradients were averaged (null when the run did not get to say). */
  dataPlane: 'star' | 'shared' | null;
}

export interface CoordinatorHandle {
  /** The address workers connect to (with the real port when bound to port *). */
  endpoint: string;
  /** Resolves when the last step is done and the final checkpoint written; rejects on failure. */
  finished: Promise<CoordinatorOutcome>;
  /** Stops after the current step: final checkpoint, STOP to the workers. Resolves with where it stopped. */
  stop(reason: string): Promise<CoordinatorOutcome>;
}

export interface CoordinatorStartOptions {
  bind: string;
  expectedWorkers: number;
  /** The coordinator's own backend (it loads snapshots and draws sample grids). */
  backend: BackendName;
  onStep: (report: StepReport) => void;
  /** Receives the coordinator's warnings and errors (everything goes to logs/coordinator.log). */
  log: (level: 'warn' | 'error', message: string) => void;
}

/** A winston logger for the coordinator: its log file, plus warnings and errors to `forward`. */
function coordinatorLogger(runDir: string, forward: CoordinatorStartOptions['log']): winston.Logger {
  // winston's Stream transport hands each formatted JSON line to this writable.
  const forwarding = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      try {
        const info = JSON.parse(String(chunk)) as { level?: string; message?: unknown; reason?: unknown };
        if (info.level === 'warn' || info.level === 'error') {
          const detail = typeof info.reason === 'string' ? `: ${info.reason}` : '';
          forward(info.level, `coordinator: ${String(info.message)}${detail}`);
        }
      } catch {
        // not a JSON line: nothing to forward
      }
      done();
    },
  });
  return winston.createLogger({
    level: 'info',
    defaultMeta: { process: 'coordinator', pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.File({ filename: join(runDir, 'logs', 'coordinator.log') }), new winston.transports.Stream({ stream: forwarding, level: 'warn' })],
  });
}

/** Ends a logger, bounded so a stuck file never holds the command open. */
function closeLogger(logger: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 3000);
    timer.unref();
    logger.once('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}

/** Starts the coordinator of `plan` (binds at once; the run starts when the workers have joined). */
export async function startRunCoordinator(plan: TrainPlan, options: CoordinatorStartOptions): Promise<CoordinatorHandle> {
  const { startCoordinator } = await import('@dgm/coordinator');
  const { latestValidCheckpoint } = await import('@dgm/core/node');
  const { settings } = plan;
  const logger = coordinatorLogger(settings.out, options.log);
  let handle: Awaited<ReturnType<typeof startCoordinator>>;
  try {
    handle = await startCoordinator({
      bind: options.bind,
      config: plan.runConfig,
      workers: options.expectedWorkers,
      runDir: settings.out,
      resume: plan.resumeFrom !== null,
      backend: options.backend,
      checkpointEvery: settings.checkpointEvery,
      sampleEvery: settings.sampleEvery,
      dataPlane: settings.dataPlane,
      logger,
      onStep: (r) => options.onStep({ step: r.step, epoch: r.epoch, losses: r.losses }),
    });
  } catch (error) {
    await closeLogger(logger);
    throw error;
  }
  const finished = handle.done.then((r) => ({ step: r.steps, checkpointDir: r.checkpoint, dataPlane: r.dataPlane }));
  finished.catch(() => undefined).finally(() => void closeLogger(logger));
  let stopping: Promise<CoordinatorOutcome> | null = null;
  return {
    endpoint: handle.address,
    finished,
    stop(reason) {
      if (!stopping) {
        handle.stop(reason);
        // A stopped run still ends with a checkpoint; `done` rejects (RunStoppedError) once it is
        // written and the workers are told, and the newest valid checkpoint says where it stopped.
        stopping = handle.done.then(
          (r) => ({ step: r.steps, checkpointDir: r.checkpoint, dataPlane: r.dataPlane }),
          async () => {
            const found = await latestValidCheckpoint(settings.out).catch(() => null);
            return { step: found?.step ?? plan.resumeFrom?.step ?? 0, checkpointDir: found?.dir ?? null, dataPlane: null };
          },
        );
      }
      return stopping;
    },
  };
}

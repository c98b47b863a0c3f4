// The one place that talks to @dgm/coordinator: starts it for a validated plan and exposes what
// the CLI needs — the endpoint, per-step reports, the end of the run and a clean stop.
import { join } from 'node:path';
import { closeLogger, createDgmLogger, type Logger } from '@dgm/protocol/log';
import type { CurveServerKeys } from '@dgm/protocol/security';
import type { PlaneName } from '@dgm/plane/names';
import type { CoordinatorRuntimeFlags } from '../commands/runtime-flags.js';
import type { BackendName } from '../config/vocabulary.js';
import type { TrainPlan } from './train-plan.js';
import { RunFailedError } from '../errors.js';
import { humanEcho } from './log-echo.js';
import { LAUNCH_SETTINGS_FILE, writeLaunchSettings } from '../config/launch-settings.js';
import type { EventFileWriter } from '@dgm/report/tensorboard';

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
  dataPlane: PlaneName | null;
}

export interface CoordinatorHandle {
  /** The address workers connect to (with the real port when bound to port *). */
  endpoint: string;
  /** The run id workers may name (dgm worker --run-id). */
  run: string;
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
  /** CURVE keys and allow-list (null or absent: plaintext, for loopback, ipc and --insecure). */
  curve?: CurveServerKeys | null;
  /** Liveness timing, a fixed run id, the replica check interval (dgm coordinator's advanced flags). */
  runtime?: CoordinatorRuntimeFlags;
  onStep: (report: StepReport) => void;
  /** Receives the coordinator's warnings and errors (everything goes to logs/coordinator.log). */
  log: (level: 'warn' | 'error', message: string) => void;
}

/** The coordinator's logger: its log file, plus warnings and errors to `forward`. */
function coordinatorLogger(runDir: string, forward: CoordinatorStartOptions['log']): Logger {
  return createDgmLogger({
    process: 'coordinator',
    file: join(runDir, 'logs', 'coordinator.log'),
    echo: humanEcho(forward, 'coordinator: '),
  });
}

/** Starts the coordinator of `plan` (binds at once; the run starts when the workers have joined). */
export async function startRunCoordinator(plan: TrainPlan, options: CoordinatorStartOptions): Promise<CoordinatorHandle> {
  const { startCoordinator } = await import('@dgm/coordinator');
  const { latestValidCheckpoint } = await import('@dgm/core/node');
  const { settings } = plan;
  // Loaded before the coordinator starts: nothing can fail between its start and the writer's.
  const tensorboardModule = settings.tensorboard === null ? null : await import('@dgm/report/tensorboard');
  const logger = coordinatorLogger(settings.out, options.log);
  // --tensorboard: every step's scalars as TensorBoard events too, opened once the coordinator
  // has accepted the run (a refused run writes nothing).
  let events: EventFileWriter | null = null;
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
      maxSkippedSteps: settings.maxSkippedSteps,
      ...(settings.minWorkers !== null ? { minWorkers: settings.minWorkers } : {}),
      ...(settings.maxWorkers !== null ? { maxWorkers: settings.maxWorkers } : {}),
      maxFailures: settings.maxFailures,
      dataPlane: settings.dataPlane,
      ...(settings.wire !== null ? { wire: settings.wire } : {}),
      ...options.runtime,
      ...(options.curve ? { curve: options.curve } : {}),
      logger,
      onStep: (r) => {
        events?.step(r);
        options.onStep({ step: r.step, epoch: r.epoch, losses: r.losses });
      },
    });
  } catch (error) {
    await closeLogger(logger);
    throw error;
  }
  // The run's other settings, for --resume (config.json holds only its trajectory).
  try {
    writeLaunchSettings(settings);
  } catch (error) {
    options.log('warn', `could not write ${join(settings.out, LAUNCH_SETTINGS_FILE)} (${(error as Error).message}); a --resume of this run will need its flags again.`);
  }
  if (tensorboardModule !== null) {
    const { EventFileWriter } = tensorboardModule;
    try {
      events = new EventFileWriter(settings.tensorboard as string);
      // A resumed run trains again the steps past its checkpoint: TensorBoard drops their older events.
      if (settings.resume !== null) events.restart((plan.resumeFrom?.step ?? 0) + 1);
    } catch (error) {
      handle.stop('the TensorBoard directory could not be written');
      await handle.done.catch(() => undefined);
      await closeLogger(logger);
      throw new RunFailedError(`--tensorboard ${settings.tensorboard}: cannot write event files there (${(error as Error).message}).`);
    }
  }
  const tensorboard = events;
  // The event file is complete before the run is reported over, however it ends.
  const settled = handle.done.finally(() => tensorboard?.close().catch((error: Error) => options.log('warn', `could not finish the TensorBoard event file: ${error.message}`)));
  const finished = settled.then((r) => ({ step: r.steps, checkpointDir: r.checkpoint, dataPlane: r.dataPlane }));
  finished.catch(() => undefined).finally(() => void closeLogger(logger));
  let stopping: Promise<CoordinatorOutcome> | null = null;
  // A run that failed before stop() was called has had its failure reported by the caller already.
  let failedAlready = false;
  settled.catch(() => (failedAlready = true));
  return {
    endpoint: handle.address,
    run: handle.run,
    finished,
    stop(reason) {
      if (!stopping) {
        const reported = failedAlready;
        handle.stop(reason);
        // A stopped run still ends with a checkpoint; `done` rejects (RunStoppedError) once it is
        // written and the workers are told, and the newest valid checkpoint says where it stopped.
        stopping = settled.then(
          (r) => ({ step: r.steps, checkpointDir: r.checkpoint, dataPlane: r.dataPlane }),
          async (error: Error) => {
            // A stop ends in RunStoppedError; anything else (the final checkpoint could not be
            // written) is said here, since the stop's outcome is all the caller reports.
            if (error.name !== 'RunStoppedError' && !reported) options.log('error', error.message);
            const found = await latestValidCheckpoint(settings.out).catch(() => null);
            return { step: found?.step ?? plan.resumeFrom?.step ?? 0, checkpointDir: found?.dir ?? null, dataPlane: null };
          },
        );
      }
      return stopping;
    },
  };
}

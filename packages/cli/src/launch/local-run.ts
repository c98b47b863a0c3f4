// Running a training job from this process: the coordinator in-process, the workers as child
// processes (train) or remote (coordinator command), progress to the Reporter, and one clean
// ending whatever happens — finished, Ctrl-C, a crashed worker, or a failing coordinator.
import { join } from 'node:path';
import type { CliContext } from '../commands/command.js';
import type { CurveServerKeys } from '@dgm/protocol/security';
import type { CoordinatorRuntimeFlags } from '../commands/runtime-flags.js';
import { ExitCode, RunFailedError } from '../errors.js';
import type { Reporter } from '../progress/reporter.js';
import { RateMeter } from '../progress/rate.js';
import { reportFinished, reportInterrupted } from '../results/run-results.js';
import { launchLocalWorkers, type LocalWorkers, type WorkerExit } from './local-workers.js';
import { OutputTail } from './output-tail.js';
import { createRunLog } from './run-dir.js';
import { trainShape, type LocalRunShape } from './run-shape.js';
import { startRunCoordinator, type CoordinatorHandle, type StepReport } from './runtime.js';
import { describeForcedStop } from './forced-stop.js';
import { removeDeadWorkerSegments } from './worker-segments.js';
import { launcherWatch, listenForStop } from './signals.js';
import type { TrainPlan } from './train-plan.js';

/** How long the parts may take to wind down before they are forced. */
const FINAL_CHECKPOINT_TIMEOUT_MS = 120_000;
const WORKER_EXIT_GRACE_MS = 15_000;

type Ending =
  | { kind: 'finished' }
  | { kind: 'interrupted'; signal: NodeJS.Signals }
  | { kind: 'worker-exit'; exit: WorkerExit }
  | { kind: 'coordinator-failed'; error: unknown };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RunFailedError(`${what} did not finish within ${Math.round(ms / 1000)} s.`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A failed worker's exit (a clean exit never counts as one: see onExit). */
function describeExit(exit: WorkerExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Turns the coordinator's step reports into progress lines. */
function progressFeed(plan: TrainPlan, reporter: Reporter): (r: StepReport) => void {
  const meter = new RateMeter(plan.settings.batchSize);
  const totalEpochs = plan.settings.epochs;
  return (r) => {
    meter.record(r.step, Date.now());
    reporter.progress({
      step: r.step,
      totalSteps: plan.totalSteps,
      // Epochs count from 0 wherever a person sees them (metrics.jsonl, dgm inspect, this line).
      epoch: r.epoch,
      totalEpochs,
      losses: r.losses,
      imagesPerSec: meter.imagesPerSec(),
      etaSeconds: meter.etaSeconds(r.step, plan.totalSteps),
    });
  };
}

/** Opens the run directory (config.json, logs/) — called only once every check has passed. */
function openRun(plan: TrainPlan, reporter: Reporter, logName: string) {
  const log = createRunLog(plan.settings.out, logName);
  reporter.attachLog(log.sink);
  const s = plan.settings;
  // A damaged `latest` and the older checkpoint used instead: the user should know which state goes on.
  for (const note of plan.resumeNotes) reporter.warn(`${note}; the run resumes from step ${plan.resumeFrom?.step}.`);
  reporter.info(
    plan.resumeFrom
      ? `Resuming ${s.out} at step ${plan.resumeFrom.step} of ${plan.totalSteps}`
      : `Training ${s.model} on ${s.dataset}: ${plan.totalSteps} steps of global batch ${s.batchSize} (${plan.stepsPerEpoch} steps per epoch); run directory ${s.out}`,
  );
  // The command line goes to logs/cli.log with the event: the report shows how the run was launched.
  const command = ['dgm', ...process.argv.slice(2)].join(' ');
  reporter.event('run', { runDir: s.out, model: s.model, dataset: s.dataset, totalSteps: plan.totalSteps, stepsPerEpoch: plan.stepsPerEpoch, resumeFrom: plan.resumeFrom?.step ?? null, command });
  return log;
}

/** `dgm train`: coordinator here, `settings.workers` (or one per GPU) local worker processes. */
export async function runLocalTraining(plan: TrainPlan, reporter: Reporter, context: CliContext, shape: LocalRunShape = trainShape(plan)): Promise<number> {
  const { settings } = plan;
  const log = openRun(plan, reporter, 'cli');
  let workers: LocalWorkers | null = null;
  const stop = listenForStop(
    shape.stopSignals,
    () => {
      workers?.signalAll('SIGKILL');
      void describeForcedStop(settings.out, shape.command)
        .then((sentence) => reporter.warn(sentence))
        .finally(() => process.exit(ExitCode.interrupted));
    },
    launcherWatch(context.env, (pid) => reporter.warn(`The process that started this run (pid ${pid}) is gone; stopping the run as if interrupted.`)),
  );
  let coordinator: CoordinatorHandle | null = null;
  try {
    // The run's keys: for `dgm train`, a pair made for this run alone (another user's process on
    // this host that finds the port cannot join; the workers get it through a pipe, never a file);
    // for `dgm launch`, the job's key files.
    const keys = await shape.security();
    coordinator = await startRunCoordinator(plan, {
      bind: shape.bind,
      curve: keys.server,
      expectedWorkers: shape.expectedWorkers,
      backend: plan.localBackend,
      runtime: shape.runtime,
      onStep: progressFeed(plan, reporter),
      log: (level, message) => reporter.message(level, message),
    });
    const slots = shape.slots;
    const tails = slots.map(() => new OutputTail());
    let onUnexpectedExit: (exit: WorkerExit) => void = () => {};
    const unexpectedExit = new Promise<WorkerExit>((resolve) => (onUnexpectedExit = resolve));
    let winding = false;
    // An elastic run (--min-workers below the workers started, or --max-workers above) outlives a
    // worker: the coordinator drops it, says so, and the others redo its step. Its exit is then
    // no reason to end the run here; every child is still reaped when the run ends.
    const startedWith = shape.expectedWorkers; // the run's workers (dgm launch: of every rank, not only these)
    const elastic = (settings.minWorkers ?? startedWith) < startedWith || (settings.maxWorkers ?? startedWith) > startedWith;
    const endpoint = coordinator.endpoint;
    workers = launchLocalWorkers({
      slots,
      command: process.execPath,
      args: (slot) => [
        context.entryScript,
        'worker',
        '--connect',
        endpoint,
        '--backend',
        settings.backend,
        '--log-file',
        join(settings.out, 'logs', `worker-${slot.index}.log`),
        ...(slot.gpu !== null ? ['--gpu', String(slot.gpu)] : []),
        ...shape.workerArgs(slot),
      ],
      baseEnv: { ...process.env, ...shape.workerEnv },
      cwd: context.cwd,
      handoff: keys.handoff,
      onLine: (slot, line) => {
        tails[slot.index].push(line);
        if (context.env.DGM_DEBUG === '1') reporter.message('info', `[worker ${slot.index}] ${line}`);
      },
      onExit: (exit) => {
        // A worker exits 0 only after the coordinator ended the run (its STOP), which can be a
        // moment before coordinator.finished resolves here: a clean exit is never a failure.
        if (exit.code === 0 && exit.signal === null) return;
        if (elastic && !winding) {
          // The coordinator says it when it drops a member, but not for a worker that died before
          // it joined: this line is then its only trace, with what it last said.
          const tail = tails[exit.slot.index].lastError;
          reporter.message('warn', `Worker ${exit.slot.index} (pid ${exit.pid}) ${describeExit(exit)}${tail ? ` (last output: ${tail})` : ''}; the elastic run goes on without it. See ${join(settings.out, 'logs', `worker-${exit.slot.index}.log`)}.`);
          return;
        }
        onUnexpectedExit(exit);
      },
    });
    const started = workers;
    const coordinatorNow = coordinator;
    const failOnWorkerExit = async (exit: WorkerExit, coordinatorError?: unknown): Promise<never> => {
      winding = true;
      reporter.close();
      const tail = tails[exit.slot.index].lastError;
      const message = `Worker ${exit.slot.index} (pid ${exit.pid}) ${describeExit(exit)}${tail ? ` (last output: ${tail})` : ''}; the run stops. See ${join(settings.out, 'logs', `worker-${exit.slot.index}.log`)}.`;
      if (coordinatorError === undefined) {
        await withTimeout(coordinatorNow.stop(`worker ${exit.slot.index} failed`), 30_000, 'Stopping the coordinator').catch(() => undefined);
      }
      await started.stop(5_000, 2_000);
      throw new RunFailedError(message);
    };
    reporter.event('workers', { pids: workers.pids, gpus: slots.map((s) => s.gpu) });
    reporter.info(`Started ${slots.length} worker process${slots.length === 1 ? '' : 'es'} (pids ${workers.pids.join(', ')}) on ${plan.gpuIds ? `GPUs ${plan.gpuIds.join(', ')}` : `the ${settings.backend === 'auto' ? `${plan.resolvedBackend} (auto)` : settings.backend} backend`}`);

    const ending: Ending = await Promise.race([
      coordinator.finished.then(
        (): Ending => ({ kind: 'finished' }),
        (error): Ending => ({ kind: 'coordinator-failed', error }),
      ),
      unexpectedExit.then((exit): Ending => ({ kind: 'worker-exit', exit })),
      stop.requested.then((signal): Ending => ({ kind: 'interrupted', signal })),
    ]);
    winding = true;

    switch (ending.kind) {
      case 'finished': {
        await workers.stop(WORKER_EXIT_GRACE_MS);
        const outcome = await coordinator.finished;
        reporter.close();
        // Training is over and saved: from here Ctrl-C simply ends the evaluation.
        stop.dispose();
        await reportFinished(plan, reporter, outcome.checkpointDir, outcome.dataPlane);
        return ExitCode.ok;
      }
      case 'interrupted': {
        reporter.close();
        reporter.warn('Interrupted: writing a final checkpoint and stopping the workers (Ctrl-C again to force).');
        const outcome = await withTimeout(coordinator.stop('interrupted by the user'), FINAL_CHECKPOINT_TIMEOUT_MS, 'The final checkpoint');
        // Workers that had joined were told to stop; any still joining are not waited for long.
        await workers.stop(outcome.checkpointDir ? WORKER_EXIT_GRACE_MS : 2_000);
        await reportInterrupted(reporter, outcome, settings.out, shape.command);
        await shape.afterStop?.(ending.signal, outcome.checkpointDir);
        return ExitCode.interrupted;
      }
      case 'worker-exit':
        return await failOnWorkerExit(ending.exit);
      case 'coordinator-failed': {
        // A dead worker usually shows up at both ends at once; its own exit says more (the signal
        // or exit code), so give it a moment to arrive before reporting the coordinator's view.
        // Not so when workers never came: the local workers then only end because they were told.
        // Nor when the coordinator failed by itself (a checkpoint it could not write, replicas
        // that disagree): it then stops the workers with an error, and their exit code 1 says nothing more.
        const name = (ending.error as Error | null)?.name;
        const exit = name === 'JoinTimeoutError' ? null : await Promise.race([unexpectedExit, new Promise<null>((r) => setTimeout(() => r(null), 1_000))]);
        if (exit && (exit.signal !== null || name === 'WorkerLostError')) return await failOnWorkerExit(exit, ending.error);
        reporter.close();
        await workers.stop(5_000, 2_000);
        // The runtime's own failures (a worker lost, replicas disagree) are DgmRunErrors: exit 1, one sentence.
        throw ending.error;
      }
    }
  } catch (error) {
    if (workers && !workers.finished) await workers.stop(0, 2_000);
    if (coordinator) await coordinator.stop('aborted').catch(() => undefined);
    throw error;
  } finally {
    stop.dispose();
    // A worker killed before the first step leaves its shared-memory segment (its peers had not
    // opened it yet, so its name was still there): gone with the run, however the run ended.
    await removeDeadWorkerSegments();
    reporter.close();
    reporter.attachLog(null);
    await log.close();
  }
}

/** `dgm coordinator`: waits for remote workers, trains, and stops cleanly on Ctrl-C. */
export async function runCoordinatorOnly(plan: TrainPlan, reporter: Reporter, context: CliContext, runtime: CoordinatorRuntimeFlags = {}, curve: CurveServerKeys | null = null): Promise<number> {
  const { settings } = plan;
  const log = openRun(plan, reporter, 'cli');
  const stop = listenForStop(
    [],
    () => {
      void describeForcedStop(settings.out, 'coordinator')
        .then((sentence) => reporter.warn(sentence))
        .finally(() => process.exit(ExitCode.interrupted));
    },
    launcherWatch(context.env, (pid) => reporter.warn(`The process that started this coordinator (pid ${pid}) is gone; stopping the run as if interrupted.`)),
  );
  let coordinator: CoordinatorHandle | null = null;
  try {
    coordinator = await startRunCoordinator(plan, {
      bind: settings.bind as string,
      expectedWorkers: settings.workers,
      backend: plan.localBackend,
      runtime,
      curve,
      onStep: progressFeed(plan, reporter),
      log: (level, message) => reporter.message(level, message),
    });
    reporter.event('listening', { endpoint: coordinator.endpoint, workers: settings.workers, run: coordinator.run });
    reporter.info(`Listening on ${coordinator.endpoint}; waiting for ${settings.workers} worker${settings.workers === 1 ? '' : 's'} (dgm worker --connect tcp://<this host>:<port>)`);
    const ending = await Promise.race([
      coordinator.finished.then(() => 'finished' as const),
      stop.requested.then(() => 'interrupted' as const),
    ]);
    if (ending === 'interrupted') {
      reporter.close();
      reporter.warn('Interrupted: writing a final checkpoint and telling the workers to stop (Ctrl-C again to force).');
      const outcome = await withTimeout(coordinator.stop('interrupted by the user'), FINAL_CHECKPOINT_TIMEOUT_MS, 'The final checkpoint');
      await reportInterrupted(reporter, outcome, settings.out, 'coordinator');
      return ExitCode.interrupted;
    }
    const outcome = await coordinator.finished;
    reporter.close();
    stop.dispose();
    await reportFinished(plan, reporter, outcome.checkpointDir, outcome.dataPlane);
    return ExitCode.ok;
  } catch (error) {
    if (coordinator) await coordinator.stop('aborted').catch(() => undefined);
    throw error;
  } finally {
    stop.dispose();
    reporter.close();
    reporter.attachLog(null);
    await log.close();
  }
}

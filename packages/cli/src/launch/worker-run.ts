// `dgm worker` processes: one replica in this process, or (with several GPUs) a supervisor of one
// child process per GPU.
import type { GpuId } from '@dgm/worker/device';
import type { CurveClientKeys } from '@dgm/protocol/security';
import type { RejoinEvents } from '@dgm/worker';
import type { CliContext } from '../commands/command.js';
import type { WorkerRuntimeFlags } from '../commands/runtime-flags.js';
import type { WorkerSettings } from '../commands/worker-settings.js';
import { ExitCode, RunFailedError } from '../errors.js';
import { workerEnv } from '../gpu/worker-env.js';
import type { Reporter } from '../progress/reporter.js';
import { launchLocalWorkers, type WorkerExit } from './local-workers.js';
import { humanEcho } from './log-echo.js';
import { removeDeadWorkerSegments } from './worker-segments.js';
import { listenForStop } from './signals.js';

/**
 * True when this process was started by a local launcher (`dgm train` or `dgm worker --gpus`):
 * the launcher owns Ctrl-C and the process must not outlive it.
 */
function isManaged(env: NodeJS.ProcessEnv): boolean {
  return env.DGM_LAUNCHER_PID !== undefined && typeof process.send === 'function';
}

/**
 * Set by `dgm launch` for its workers: a scheduler signals every process of a job at once
 * (scancel's SIGTERM, Slurm's --signal=USR1@90, mpirun and torchrun forwarding), and the worker
 * must outlive that signal until the coordinator has taken the final checkpoint and sent STOP.
 */
export const SCHEDULED_ENV = 'DGM_SCHEDULED';

/** Runs one replica here until the coordinator stops the run. */
export async function runWorkerProcess(settings: WorkerSettings, runtime: WorkerRuntimeFlags, reporter: Reporter, context: CliContext, logFile?: string, curve: CurveClientKeys | null = null): Promise<number> {
  if (settings.gpu !== null) {
    // CUDA reads these when TensorFlow initialises, which happens in the import below: set them first.
    const pinned = workerEnv(process.env, settings.gpu);
    for (const key of ['CUDA_VISIBLE_DEVICES', 'CUDA_DEVICE_ORDER', 'TF_FORCE_GPU_ALLOW_GROWTH']) process.env[key] = pinned[key];
  }
  let stopListener: ReturnType<typeof listenForStop> | null = null;
  if (isManaged(context.env)) {
    // The launcher stops the run through the coordinator on Ctrl-C; this process only has to
    // make sure it never outlives its launcher (the IPC channel closes when the launcher dies).
    process.on('SIGINT', () => {});
    if (context.env[SCHEDULED_ENV] === '1') {
      // The launcher or the coordinator ends this worker (STOP); SIGKILL and the launcher's
      // going away still do. A listener also keeps SIGUSR1 from starting Node's inspector.
      process.on('SIGTERM', () => {});
      process.on('SIGUSR1', () => {});
    } else {
      process.on('SIGTERM', () => process.exit(ExitCode.interrupted));
    }
    process.on('disconnect', () => {
      reporter.error('The launcher went away; this worker stops.');
      process.exit(ExitCode.failure);
    });
    process.channel?.unref();
  } else {
    stopListener = listenForStop([], () => process.exit(ExitCode.interrupted));
    void stopListener.requested.then(() => {
      reporter.warn('Interrupted: leaving the run (the coordinator carries on or stops without this worker).');
      process.exit(ExitCode.interrupted);
    });
  }
  try {
    const { runWorker } = await import('@dgm/worker');
    const { closeLogger, createDgmLogger } = await import('@dgm/protocol/log');
    reporter.event('worker', { pid: process.pid, connect: settings.connect, gpu: settings.gpu, backend: settings.backend });
    if (!isManaged(context.env)) reporter.info(`Worker ${process.pid} connecting to ${settings.connect} (${settings.gpu !== null ? `GPU ${settings.gpu}` : settings.backend})`);
    // Its warnings as sentences on stderr (a launcher shows the last one when the worker fails), not JSON lines.
    const logger = createDgmLogger({ process: 'worker', file: logFile, echo: humanEcho((level, message) => reporter.message(level, message)) });
    let result: Awaited<ReturnType<typeof runWorker>>;
    try {
      result = await runWorker({ connect: settings.connect, backend: settings.backend, ...runtime, logger, ...(curve ? { curve } : {}), onRejoin: rejoinLines(settings.connect, reporter) });
    } finally {
      await closeLogger(logger);
    }
    reporter.result(
      { status: result.stoppedByError ? 'stopped-by-error' : 'finished', rank: result.rank, steps: result.steps, reason: result.stopReason, backend: result.backend, device: result.device },
      [`Worker rank ${result.rank} computed ${result.steps} steps on ${result.device} (${result.backend}); the coordinator ended the run: ${result.stopReason}`],
    );
    return result.stoppedByError ? ExitCode.failure : ExitCode.ok;
  } finally {
    stopListener?.dispose();
  }
}

/** --reconnect: one line when the coordinator is lost (and for how long it is tried again), one when rejoined. */
function rejoinLines(connect: string, reporter: Reporter): RejoinEvents {
  return {
    lost(reason, windowMs) {
      reporter.event('reconnecting', { pid: process.pid, connect, reason, seconds: windowMs / 1000 });
      reporter.warn(`Lost the coordinator (${reason}); trying ${connect} again for up to ${windowMs / 1000} s (--reconnect).`);
    },
    rejoined(rank, worldSize) {
      reporter.event('rejoined', { pid: process.pid, connect, rank, worldSize });
      reporter.info(`Rejoined the run at ${connect} as rank ${rank} of ${worldSize}.`);
    },
  };
}

/**
 * `dgm worker --gpus ...`: one child `dgm worker --gpu <id>` per GPU; ends when they all end.
 * `forwarded` flags (runtime, key files) are passed on; keys this process was handed by its own
 * launcher (`handoff`) are handed on the same way; `firstRank` places the children at ranks
 * firstRank, firstRank + 1, ... (dgm launch).
 */
export async function superviseGpuWorkers(
  settings: WorkerSettings,
  gpuIds: GpuId[],
  reporter: Reporter,
  context: CliContext,
  logFile?: string,
  forwarded: string[] = [],
  handoff: string | null = null,
  firstRank?: number,
): Promise<number> {
  const stop = listenForStop([], () => workers.signalAll('SIGKILL'));
  const failures: WorkerExit[] = [];
  let stopping = false;
  const workers = launchLocalWorkers({
    slots: gpuIds.map((gpu, index) => ({ index, gpu })),
    command: process.execPath,
    args: (slot) => [
      context.entryScript,
      'worker',
      '--connect',
      settings.connect,
      '--gpu',
      String(slot.gpu),
      '--backend',
      settings.backend,
      ...(settings.json ? ['--json'] : []),
      ...(logFile ? ['--log-file', logFile.replace(/(\.log)?$/, `-gpu${String(slot.gpu).replaceAll('/', '_')}.log`)] : []),
      ...forwarded,
      ...(firstRank !== undefined ? ['--rank', String(firstRank + slot.index)] : []),
    ],
    cwd: context.cwd,
    handoff,
    onLine: (slot, line, stream) => (stream === 'stdout' ? context.stdout : context.stderr).write(settings.json ? `${line}\n` : `[gpu ${slot.gpu}] ${line}\n`),
    onExit: (exit) => {
      if (exit.code !== 0 && !stopping) failures.push(exit);
    },
  });
  reporter.event('workers', { pids: workers.pids, gpus: gpuIds });
  reporter.info(`Started ${gpuIds.length} worker processes on GPUs ${gpuIds.join(', ')} (pids ${workers.pids.join(', ')})`);
  void stop.requested.then(() => {
    stopping = true;
    workers.signalAll('SIGTERM');
  });
  try {
    await workers.waitAll();
  } finally {
    stop.dispose();
    await removeDeadWorkerSegments(); // a GPU worker that died before the first step left its segment
  }
  if (stopping) return ExitCode.interrupted;
  if (failures.length > 0) {
    const f = failures[0];
    throw new RunFailedError(`The worker on GPU ${f.slot.gpu} (pid ${f.pid}) ${f.signal ? `was killed by ${f.signal}` : `exited with code ${f.code}`}.`);
  }
  return ExitCode.ok;
}

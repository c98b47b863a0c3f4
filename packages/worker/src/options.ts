// runWorker's options, their defaults, and the checks that turn a bad one into one sentence.
import { BACKEND_NAMES, type BackendChoice } from '@dgm/core/names';
import { checkAddress, checkRunConfig, type RunConfig } from '@dgm/protocol';
import type { Logger } from 'winston';
import { WorkerOptionsError } from './errors.js';

/** Options of runWorker. Only `connect` is required. */
export interface WorkerOptions {
  /** Coordinator endpoint: tcp://host:port or ipc://path. */
  connect: string;
  /** The run config; when absent the worker takes the coordinator's (sent in WELCOME). */
  config?: RunConfig;
  /** Run id to join; when absent any run at `connect` is joined. */
  run?: string;
  /** tfjs backend (default 'auto': native TensorFlow if installed, else wasm). */
  backend?: BackendChoice;
  /** ZMTP heartbeat interval (default 500 ms). */
  heartbeatMs?: number;
  /** Silence after which the coordinator counts as gone (default 10 s). */
  timeoutMs?: number;
  /** How long to wait for WELCOME (default 60 s): the coordinator may start after the worker. */
  joinTimeoutMs?: number;
  /** Bound on waiting for one phase's averaged gradients (default 10 min). */
  reduceTimeoutMs?: number;
  /** Largest message accepted from the coordinator (default 1 GiB). */
  maxMessageBytes?: number;
  /**
   * Offer a shared-memory segment (/dev/shm) so that workers on one host average gradients
   * through it instead of through the coordinator (default true; the coordinator decides).
   */
  sharedMemory?: boolean;
  /** Where to log (JSON lines); a file of the run directory, e.g. runs/<name>/logs/worker-0.log. */
  logFile?: string;
  /** A logger to use instead of creating one (then `logFile` is ignored). */
  logger?: Logger;
  /** Environment the device is read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Module loader handed to initBackend: only for tests that stand in for a GPU package. */
  loadModule?: (specifier: string) => Promise<unknown>;
}

export interface ResolvedWorkerOptions {
  connect: string;
  config: RunConfig | null;
  run: string;
  backend: BackendChoice;
  heartbeatMs: number;
  timeoutMs: number;
  joinTimeoutMs: number;
  reduceTimeoutMs: number;
  maxMessageBytes: number;
  sharedMemory: boolean;
  logFile: string | undefined;
  logger: Logger | undefined;
  env: Readonly<Record<string, string | undefined>>;
  loadModule: ((specifier: string) => Promise<unknown>) | undefined;
}

const BACKENDS: readonly BackendChoice[] = BACKEND_NAMES;

function ms(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new WorkerOptionsError(`worker option '${name}' must be an integer of at least ${min} (milliseconds); got ${String(value)}.`);
  return value;
}

function flag(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new WorkerOptionsError(`worker option '${name}' must be true or false; got ${String(value)}.`);
  return value;
}

/** Fills defaults and checks every option; throws WorkerOptionsError naming the bad one. */
export function resolveWorkerOptions(o: WorkerOptions): ResolvedWorkerOptions {
  if (typeof o?.connect !== 'string') throw new WorkerOptionsError("worker option 'connect' is required: the coordinator's tcp://host:port or ipc://path.");
  let connect: string;
  try {
    connect = checkAddress(o.connect, 'connect');
  } catch (error) {
    throw new WorkerOptionsError((error as Error).message);
  }
  let config: RunConfig | null = null;
  if (o.config !== undefined) {
    try {
      config = checkRunConfig(o.config);
    } catch (error) {
      throw new WorkerOptionsError((error as Error).message);
    }
  }
  const backend = o.backend ?? 'auto';
  if (!BACKENDS.includes(backend)) throw new WorkerOptionsError(`worker option 'backend' is '${String(backend)}'; allowed are ${BACKENDS.join(', ')}.`);
  const heartbeatMs = ms('heartbeatMs', o.heartbeatMs, 500, 10);
  const timeoutMs = ms('timeoutMs', o.timeoutMs, 10_000, 100);
  if (timeoutMs <= heartbeatMs) throw new WorkerOptionsError(`worker option 'timeoutMs' (${timeoutMs}) must be larger than 'heartbeatMs' (${heartbeatMs}).`);
  return {
    connect,
    config,
    run: o.run ?? '',
    backend,
    heartbeatMs,
    timeoutMs,
    joinTimeoutMs: ms('joinTimeoutMs', o.joinTimeoutMs, 60_000, 100),
    reduceTimeoutMs: ms('reduceTimeoutMs', o.reduceTimeoutMs, 600_000, 100),
    maxMessageBytes: ms('maxMessageBytes', o.maxMessageBytes, 1 << 30, 1024),
    sharedMemory: flag('sharedMemory', o.sharedMemory, true),
    logFile: o.logFile,
    logger: o.logger,
    env: o.env ?? process.env,
    loadModule: o.loadModule,
  };
}

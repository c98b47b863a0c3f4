// startCoordinator's options, their defaults, and the checks that turn a bad one into one sentence.
import { BACKEND_NAMES, type BackendChoice } from '@dgm/core/names';
import { checkAddress, checkRunConfig, type RunConfig } from '@dgm/protocol';
import type { Logger } from 'winston';
import { CoordinatorOptionsError } from './errors.js';

/** One line of metrics.jsonl, also handed to `onStep`. */
export interface StepRecord {
  /** Steps completed (the step just finished is step - 1 in Trainer numbering). */
  step: number;
  epoch: number;
  time: string;
  /** Sample-weighted means over the workers of each loss. */
  losses: Record<string, number>;
  samples: number;
  samplesPerSec: number;
  /** Wall time of the step at the coordinator. */
  stepMs: number;
  /** Slowest worker's local work: batch loading, noise, forward, backward, apply (its step time minus its reduce time). */
  computeMs: number;
  /** stepMs - computeMs: what distribution costs (messages, averaging, waiting). */
  commMs: number;
  /** Longest time a worker spent inside gradient averaging (send GRADS → REDUCED), all phases. */
  reduceMs: number;
  workers: number;
}

/** Options of startCoordinator. */
export interface CoordinatorOptions {
  /** Where workers connect: tcp://host:port (port * picks a free one) or ipc://path. */
  bind: string;
  /** What to train (shared with every worker, hashed at the handshake). */
  config: RunConfig;
  /** Workers the run starts with and needs. */
  workers: number;
  /** Run directory (config.json, metrics.jsonl, logs/, samples/, checkpoints/); none: nothing is written. */
  runDir?: string;
  /** Run id workers must name (default: random). */
  run?: string;
  /** Continue from the run directory's newest valid checkpoint. */
  resume?: boolean;
  /**
   * The coordinator's own tfjs backend: it only loads snapshots and draws sample grids. Default
   * 'wasm', not 'auto': native TensorFlow with CUDA would reserve the memory of every visible GPU
   * in the coordinator's process, which the workers need.
   */
  backend?: BackendChoice;
  /** ZMTP heartbeat and liveness-probe interval (default 500 ms). */
  heartbeatMs?: number;
  /** A worker unreachable for this long is lost (default 10 s); also bounds every send. */
  timeoutMs?: number;
  /** How long to wait for all workers to join (default 120 s). */
  joinTimeoutMs?: number;
  /** Bound on one step and on one snapshot (default 10 min). */
  stepTimeoutMs?: number;
  /** Check replicas agree (and sync BatchNorm statistics) every this many steps (default 50; 0: only at the end). */
  checkEvery?: number;
  /** Save a checkpoint every this many steps (default 0: only at the end). Needs runDir. */
  checkpointEvery?: number;
  /** Checkpoints kept (default 3). */
  keepCheckpoints?: number;
  /** Write a sample grid every this many steps (default 0: only at the end). Needs runDir. */
  sampleEvery?: number;
  /**
   * Where gradients are averaged. 'shared': through the workers' shared-memory segments (every
   * worker on this host's /dev/shm; the coordinator only orders the stages). 'star': sent to the
   * coordinator and back. 'auto' (default): shared when every worker offers a segment on one
   * shared-memory filesystem and there are at least 2, else star.
   */
  dataPlane?: DataPlaneChoice;
  /** A logger to use instead of creating one. */
  logger?: Logger;
  /** Called after every step with its metrics line. */
  onStep?: (record: StepRecord) => void;
}

export const DATA_PLANES = ['auto', 'star', 'shared'] as const;
export type DataPlaneChoice = (typeof DATA_PLANES)[number];

export interface ResolvedCoordinatorOptions {
  bind: string;
  config: RunConfig;
  workers: number;
  runDir: string | null;
  run: string;
  resume: boolean;
  backend: BackendChoice;
  heartbeatMs: number;
  timeoutMs: number;
  joinTimeoutMs: number;
  stepTimeoutMs: number;
  checkEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  sampleEvery: number;
  dataPlane: DataPlaneChoice;
  logger: Logger | undefined;
  onStep: ((record: StepRecord) => void) | undefined;
}

const BACKENDS: readonly BackendChoice[] = BACKEND_NAMES;

function int(name: string, value: number | undefined, fallback: number, min: number, unit = ''): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new CoordinatorOptionsError(`coordinator option '${name}' must be an integer of at least ${min}${unit}; got ${String(value)}.`);
  return value;
}

/** Fills defaults and checks every option; throws CoordinatorOptionsError naming the bad one. */
export function resolveCoordinatorOptions(o: CoordinatorOptions): ResolvedCoordinatorOptions {
  if (typeof o?.bind !== 'string') throw new CoordinatorOptionsError("coordinator option 'bind' is required: tcp://host:port or ipc://path.");
  let config: RunConfig;
  try {
    checkAddress(o.bind, 'bind');
    config = checkRunConfig(o.config);
  } catch (error) {
    throw new CoordinatorOptionsError((error as Error).message);
  }
  const workers = int('workers', o.workers, 0, 1);
  if (workers === 0) throw new CoordinatorOptionsError("coordinator option 'workers' is required: the number of workers the run needs (at least 1).");
  if (config.globalBatch < workers) {
    throw new CoordinatorOptionsError(`the global batch (${config.globalBatch}) is smaller than the number of workers (${workers}); every worker needs at least one sample per step.`);
  }
  const backend = o.backend ?? 'wasm';
  if (!BACKENDS.includes(backend)) throw new CoordinatorOptionsError(`coordinator option 'backend' is '${String(backend)}'; allowed are ${BACKENDS.join(', ')}.`);
  const heartbeatMs = int('heartbeatMs', o.heartbeatMs, 500, 10, ' ms');
  const timeoutMs = int('timeoutMs', o.timeoutMs, 10_000, 100, ' ms');
  if (timeoutMs <= heartbeatMs) throw new CoordinatorOptionsError(`coordinator option 'timeoutMs' (${timeoutMs}) must be larger than 'heartbeatMs' (${heartbeatMs}).`);
  const runDir = o.runDir ?? null;
  const checkpointEvery = int('checkpointEvery', o.checkpointEvery, 0, 0);
  const sampleEvery = int('sampleEvery', o.sampleEvery, 0, 0);
  if (runDir === null && o.resume) throw new CoordinatorOptionsError("coordinator option 'resume' needs 'runDir': the run directory holding the checkpoints.");
  if (o.run !== undefined && (typeof o.run !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(o.run))) {
    throw new CoordinatorOptionsError(`run id '${String(o.run)}' is not allowed; use 1-128 letters, digits, '.', '_' or '-'.`);
  }
  const dataPlane = o.dataPlane ?? 'auto';
  if (!DATA_PLANES.includes(dataPlane)) throw new CoordinatorOptionsError(`coordinator option 'dataPlane' is '${String(dataPlane)}'; allowed are ${DATA_PLANES.join(', ')}.`);
  if (dataPlane === 'shared' && workers < 2) throw new CoordinatorOptionsError("data plane 'shared' needs at least 2 workers; use 'auto' or 'star'.");
  return {
    bind: o.bind,
    config,
    workers,
    runDir,
    run: o.run ?? `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`,
    resume: o.resume ?? false,
    backend,
    heartbeatMs,
    timeoutMs,
    joinTimeoutMs: int('joinTimeoutMs', o.joinTimeoutMs, 120_000, 100, ' ms'),
    stepTimeoutMs: int('stepTimeoutMs', o.stepTimeoutMs, 600_000, 100, ' ms'),
    checkEvery: int('checkEvery', o.checkEvery, 50, 0),
    checkpointEvery,
    keepCheckpoints: int('keepCheckpoints', o.keepCheckpoints, 3, 1),
    sampleEvery,
    dataPlane,
    logger: o.logger,
    onStep: o.onStep,
  };
}

// startCoordinator's options as a field table (what each allows, in zod), their defaults, and the
// checks between options; a bad one becomes one sentence.
import { BACKEND_NAMES, type BackendChoice } from '@dgm/core/names';
import { checkedBy, field, firstProblem, withCheck } from '@dgm/core/schema';
import { checkAddress, checkRunConfig, type RunConfig } from '@dgm/protocol';
import { PLANE_CHOICES, WIRE_CHOICES, type PlaneChoice, type WireChoice } from '@dgm/plane/names';
import { checkCurveServerKeys, type CurveServerKeys } from '@dgm/protocol/security';
import * as z from 'zod/mini';
import type { Logger } from '@dgm/protocol/log';
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
  /** Learning rate the step applied (the schedule's value at this step). */
  lr: number;
  /** Each rank's computeMs, in rank order: the report draws one line per worker, so a straggler shows. */
  workerComputeMs: number[];
  /** Phases every replica left out because their averaged gradient was non-finite (absent: none). */
  skipped?: string[];
  /** Ranks whose own gradient held a NaN or ±Infinity at this step (absent: none). */
  nonFiniteRanks?: number[];
  /** Steps skipped so far, this one included (present on skipped steps only). */
  skippedSteps?: number;
  /** The step's window: positions [start, end) in its epoch's permutation (each epoch's windows tile it once). */
  window: [number, number];
  /** Workers that left or joined since the previous line (elastic runs; absent: none). */
  membership?: MembershipEvent[];
  /** True on a step a worker finished before the others were brought level after a loss (its losses are unknown). */
  recovered?: boolean;
}

/** One change of an elastic run's members, in metrics.jsonl and the checkpoint's state.json. */
export interface MembershipEvent {
  /** Steps completed when it happened. */
  step: number;
  event: 'left' | 'joined';
  rank: number;
  pid: number;
  host: string;
  /** Why a worker left (how it was noticed); 'joined' for a join. */
  cause: string;
}

/** Options of startCoordinator. */
export interface CoordinatorOptions {
  /** Where workers connect: tcp://host:port (port * picks a free one) or ipc://path. */
  bind: string;
  /** What to train (shared with every worker, hashed at the handshake). */
  config: RunConfig;
  /** Workers the run starts with (and, without minWorkers, needs). */
  workers: number;
  /**
   * Elastic runs: the run goes on while at least this many workers are alive; a worker lost
   * mid-step is dropped and the step redone by the survivors (default: workers, i.e. the first
   * loss stops the run). Below it the run waits (joinTimeoutMs) for workers to join, then stops.
   */
  minWorkers?: number;
  /** Elastic runs: workers may join mid-run (dgm worker --connect) up to this many (default: workers). */
  maxWorkers?: number;
  /** Elastic runs: workers lost over the whole run before it stops with a final checkpoint (default 10). */
  maxFailures?: number;
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
  /**
   * Steps a run may skip for non-finite gradients (NaN/Infinity) before it stops with a final
   * checkpoint (default 10; 0: the first one stops it).
   */
  maxSkippedSteps?: number;
  /** Write a sample grid every this many steps (default 0: only at the end). Needs runDir. */
  sampleEvery?: number;
  /** Rewrite runDir/report.html this often while the run goes (default 30 s); it is also written at the start and at the end. */
  reportEveryMs?: number;
  /**
   * Where gradients are averaged. 'shared': through the workers' shared-memory segments (every
   * worker on this host's /dev/shm; the coordinator only orders the stages). 'star': sent to the
   * coordinator and back. 'auto' (default): shared when every worker offers a segment on one
   * shared-memory filesystem and there are at least 2, else star.
   */
  dataPlane?: DataPlaneChoice;
  /**
   * How gradient chunks travel between hosts on the hierarchical plane: 'fp32' (default, exact),
   * 'bf16' or 'fp16' (half the bytes; weights and Adam stay fp32, every replica applies the same bits).
   */
  wire?: WireChoice;
  /**
   * CURVE: encrypt every connection and admit only workers whose public key is in `allow` (the
   * rest are refused during the handshake and logged). Absent: plaintext, for loopback and ipc.
   */
  curve?: CurveServerKeys;
  /** A logger to use instead of creating one. */
  logger?: Logger;
  /** Called after every step with its metrics line. */
  onStep?: (record: StepRecord) => void;
}

/** What `dataPlane` accepts: @dgm/plane's choices (a plane by name, or auto). */
export const DATA_PLANES = PLANE_CHOICES;
export type DataPlaneChoice = PlaneChoice;

export interface ResolvedCoordinatorOptions {
  bind: string;
  config: RunConfig;
  workers: number;
  minWorkers: number;
  maxWorkers: number;
  maxFailures: number;
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
  maxSkippedSteps: number;
  sampleEvery: number;
  reportEveryMs: number;
  dataPlane: DataPlaneChoice;
  wire: WireChoice;
  curve: CurveServerKeys | null;
  logger: Logger | undefined;
  onStep: ((record: StepRecord) => void) | undefined;
}

/** Workers an elastic run may lose by default before it stops (over the whole run). */
export const DEFAULT_MAX_FAILURES = 10;

/** Skipped steps a run survives by default: a run that only produces NaN stops after 11 steps. */
export const DEFAULT_MAX_SKIPPED_STEPS = 10;

const REQUIRED_BIND = "coordinator option 'bind' is required: tcp://host:port or ipc://path.";

/** An integer option of at least `min` (`unit`: ' ms' for durations). */
function intAtLeast(name: string, min: number, unit = '') {
  const allowed = `an integer of at least ${min}${unit}`;
  return withCheck(field(z.unknown(), { allowed }), (v) => Number.isSafeInteger(v) && (v as number) >= min, (v) => `coordinator option '${name}' must be ${allowed}; got ${String(v)}.`);
}

/** One of `values`. */
function oneOfNamed<T extends string>(name: string, values: readonly T[]) {
  const allowed = values.join(', ');
  return withCheck(field(z.custom<T>(), { allowed }), (v) => values.includes(v), (v) => `coordinator option '${name}' is '${String(v)}'; allowed are ${allowed}.`);
}

/** Every option of startCoordinator with what it allows; relations between options are checked below. */
export const COORDINATOR_FIELDS = {
  bind: field(
    checkedBy((v) => {
      if (typeof v !== 'string') throw new Error(REQUIRED_BIND);
      return checkAddress(v, 'bind');
    }, 'tcp://host:port or ipc://path'),
    { allowed: 'tcp://host:port or ipc://path', required: REQUIRED_BIND },
  ),
  config: checkedBy(checkRunConfig, 'a run config'),
  workers: field(intAtLeast('workers', 1), {
    allowed: 'an integer of at least 1',
    required: "coordinator option 'workers' is required: the number of workers the run needs (at least 1).",
  }),
  minWorkers: intAtLeast('minWorkers', 1),
  maxWorkers: intAtLeast('maxWorkers', 1),
  maxFailures: intAtLeast('maxFailures', 0),
  backend: oneOfNamed('backend', BACKEND_NAMES),
  heartbeatMs: intAtLeast('heartbeatMs', 10, ' ms'),
  timeoutMs: intAtLeast('timeoutMs', 100, ' ms'),
  checkpointEvery: intAtLeast('checkpointEvery', 0),
  sampleEvery: intAtLeast('sampleEvery', 0),
  reportEveryMs: intAtLeast('reportEveryMs', 100, ' ms'),
  run: withCheck(
    field(z.unknown(), { allowed: "1-128 letters, digits, '.', '_' or '-'" }),
    (v) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(v),
    (v) => `run id '${String(v)}' is not allowed; use 1-128 letters, digits, '.', '_' or '-'.`,
  ),
  dataPlane: oneOfNamed('dataPlane', DATA_PLANES),
  wire: oneOfNamed('wire', WIRE_CHOICES),
  joinTimeoutMs: intAtLeast('joinTimeoutMs', 100, ' ms'),
  stepTimeoutMs: intAtLeast('stepTimeoutMs', 100, ' ms'),
  checkEvery: intAtLeast('checkEvery', 0),
  keepCheckpoints: intAtLeast('keepCheckpoints', 1),
  maxSkippedSteps: intAtLeast('maxSkippedSteps', 0),
  curve: checkedBy((v) => checkCurveServerKeys(v as CurveServerKeys), 'a CURVE server key pair and allow-list'),
};

/** Fills defaults and checks every option; throws CoordinatorOptionsError naming the bad one. */
export function resolveCoordinatorOptions(o: CoordinatorOptions): ResolvedCoordinatorOptions {
  const result = firstProblem(COORDINATOR_FIELDS, o, 'ignore-unknown');
  if (!result.ok) {
    const p = result.problem;
    throw new CoordinatorOptionsError(p.kind === 'bad-value' && p.sentence ? p.sentence : REQUIRED_BIND);
  }
  const v = result.values;
  const config = v.config as RunConfig;
  const workers = v.workers as number;
  if (config.globalBatch < workers) {
    throw new CoordinatorOptionsError(`the global batch (${config.globalBatch}) is smaller than the number of workers (${workers}); every worker needs at least one sample per step.`);
  }
  const minWorkers = (v.minWorkers as number | undefined) ?? workers;
  const maxWorkers = (v.maxWorkers as number | undefined) ?? workers;
  if (minWorkers > workers) throw new CoordinatorOptionsError(`coordinator option 'minWorkers' (${minWorkers}) is more than the ${workers} workers the run starts with; allowed is 1 to ${workers}.`);
  if (maxWorkers < workers) throw new CoordinatorOptionsError(`coordinator option 'maxWorkers' (${maxWorkers}) is fewer than the ${workers} workers the run starts with; allowed is ${workers} or more.`);
  if (config.globalBatch < maxWorkers) throw new CoordinatorOptionsError(`the global batch (${config.globalBatch}) is smaller than 'maxWorkers' (${maxWorkers}); every worker needs at least one sample per step.`);
  const heartbeatMs = (v.heartbeatMs as number | undefined) ?? 500;
  const timeoutMs = (v.timeoutMs as number | undefined) ?? 10_000;
  if (timeoutMs <= heartbeatMs) throw new CoordinatorOptionsError(`coordinator option 'timeoutMs' (${timeoutMs}) must be larger than 'heartbeatMs' (${heartbeatMs}).`);
  const runDir = o.runDir ?? null;
  if (runDir === null && o.resume) throw new CoordinatorOptionsError("coordinator option 'resume' needs 'runDir': the run directory holding the checkpoints.");
  const dataPlane = v.dataPlane ?? 'auto';
  if (dataPlane === 'shared' && workers < 2) throw new CoordinatorOptionsError("data plane 'shared' needs at least 2 workers; use 'auto' or 'star'.");
  const int = (value: unknown, fallback: number): number => (value as number | undefined) ?? fallback;
  return {
    bind: v.bind as string,
    config,
    workers,
    minWorkers,
    maxWorkers,
    maxFailures: (v.maxFailures as number | undefined) ?? DEFAULT_MAX_FAILURES,
    runDir,
    run: (v.run as string | undefined) ?? `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`,
    resume: o.resume ?? false,
    backend: v.backend ?? 'wasm',
    heartbeatMs,
    timeoutMs,
    joinTimeoutMs: int(v.joinTimeoutMs, 120_000),
    stepTimeoutMs: int(v.stepTimeoutMs, 600_000),
    checkEvery: int(v.checkEvery, 50),
    checkpointEvery: int(v.checkpointEvery, 0),
    keepCheckpoints: int(v.keepCheckpoints, 3),
    maxSkippedSteps: int(v.maxSkippedSteps, DEFAULT_MAX_SKIPPED_STEPS),
    sampleEvery: int(v.sampleEvery, 0),
    reportEveryMs: int(v.reportEveryMs, 30_000),
    dataPlane,
    wire: (v.wire as WireChoice | undefined) ?? 'fp32',
    curve: (v.curve as CurveServerKeys | undefined) ?? null,
    logger: o.logger,
    onStep: o.onStep,
  };
}

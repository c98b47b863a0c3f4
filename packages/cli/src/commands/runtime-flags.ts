// The advanced flags of `dgm worker` and `dgm coordinator`: the runtime's liveness timing, a fixed
// run id, and what a worker insists on. Defaults suit a run on one host or a cluster; these exist
// for slow or lossy networks, for pinning a worker to one run on a shared cluster, and for tests
// that need a fault noticed in seconds. They are process settings, not part of the run's config.
import { readFileSync } from 'node:fs';
import { parsePortRange } from '@dgm/plane/names';
import type { RunConfig } from '@dgm/protocol';
import type { OptionSpec, ParsedArgs } from '../args/command-spec.js';
import { UsageError } from '../errors.js';

type Values = ParsedArgs['values'];

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Liveness timing, in milliseconds; absent: the runtime's default. */
export interface LivenessFlags {
  heartbeatMs?: number;
  timeoutMs?: number;
  joinTimeoutMs?: number;
}

/** The advanced flags of `dgm coordinator`. */
export interface CoordinatorRuntimeFlags extends LivenessFlags {
  run?: string;
  stepTimeoutMs?: number;
  checkEvery?: number;
}

/** The advanced flags of `dgm worker`. */
export interface WorkerRuntimeFlags extends LivenessFlags {
  run?: string;
  /** The run config this worker insists on; absent: whatever the coordinator sends. */
  config?: RunConfig;
  /** False: offer no shared-memory segment (gradients go through the coordinator). */
  sharedMemory?: boolean;
  /** The rank a launcher placed this worker at (dgm launch). */
  rank?: number;
  /** Ports the ring socket may bind (hierarchical plane). */
  ringPorts?: string;
  /** --reconnect: how long a worker that lost its coordinator keeps trying to rejoin it. */
  reconnectMs?: number;
}

/** `dgm worker --rank`: not forwarded as is to per-GPU children, which count up from it. */
export const WORKER_RANK_OPTION: OptionSpec = {
  name: 'rank',
  type: 'string',
  value: 'n',
  description: 'Advanced: join at this rank (what dgm launch gives each worker, so a rank that never joins is named); with --gpus the GPUs take this rank and the next ones.',
};

function livenessOptions(joinTimeout: string): OptionSpec[] {
  return [
    { name: 'heartbeat-ms', type: 'string', value: 'ms', description: 'Advanced: interval of the heartbeats that tell a silent peer from a busy one (default 500).' },
    { name: 'timeout-ms', type: 'string', value: 'ms', description: 'Advanced: silence after which the other end counts as gone (default 10000); larger than --heartbeat-ms.' },
    { name: 'join-timeout-ms', type: 'string', value: 'ms', description: `Advanced: ${joinTimeout}` },
  ];
}

export const COORDINATOR_RUNTIME_OPTIONS: OptionSpec[] = [
  { name: 'run-id', type: 'string', value: 'id', description: "Advanced: this run's id, which workers may name with --run-id (default: a random one, printed when listening)." },
  ...livenessOptions('how long to wait for all workers to join before the run fails (default 120000).'),
  { name: 'step-timeout-ms', type: 'string', value: 'ms', description: 'Advanced: bound on one step and on one snapshot (default 600000).' },
  { name: 'check-every', type: 'string', value: 'n', description: 'Advanced: steps between checks that the replicas agree, which also sync BatchNorm statistics (default 50; 0: only at the end).' },
  { name: 'wire', type: 'string', value: 'format', description: "How gradients travel between hosts on the hierarchical plane: fp32 (default, exact), bf16 or fp16 (half the bytes; weights and Adam stay fp32); --resume keeps it unless given again." },
];

/** Seconds --reconnect allows at most (a day: far beyond any restart, well within a timer's range). */
const MAX_RECONNECT_SECONDS = 86_400;

/** `--reconnect SECONDS`, of `dgm worker` and (for its workers) `dgm launch`. */
export const RECONNECT_OPTION: OptionSpec = {
  name: 'reconnect',
  type: 'string',
  value: 'seconds',
  description: 'When the coordinator is lost, keep trying its address this long instead of exiting, and rejoin a coordinator restarted with --resume on the same run directory (default: exit).',
};

export const WORKER_RUNTIME_OPTIONS: OptionSpec[] = [
  { name: 'run-id', type: 'string', value: 'id', description: 'Advanced: join only the run with this id; the coordinator of another run refuses this worker (exit 2).' },
  { name: 'run-config', type: 'string', value: 'file', description: "Advanced: train only this run config (a run directory's config.json); a coordinator whose run differs refuses this worker (exit 2). Default: the coordinator's." },
  ...livenessOptions("how long to wait for the coordinator's answer; it may start after the worker (default 60000)."),
  { name: 'no-shared-memory', type: 'boolean', description: 'Advanced: offer no /dev/shm segment, so this run averages gradients through the coordinator.' },
  { name: 'ring-ports', type: 'string', value: 'LOW-HIGH', description: "Ports this worker's ring socket may bind for gradients between hosts (hierarchical plane): '*' (default, any free port) or a range such as 29500-29599; open them between the hosts." },
  RECONNECT_OPTION,
];

function wholeNumber(values: Values, flag: string, min: number, max: number, unit: string): number | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number${unit} from ${min} to ${max}, got '${String(value)}'.`);
  }
  return Number(value);
}

function runId(values: Values): string | undefined {
  const value = values['run-id'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !RUN_ID.test(value)) {
    throw new UsageError(`--run-id must be 1 to 128 letters, digits, '.', '_' or '-', got '${String(value)}'.`);
  }
  return value;
}

function liveness(values: Values): LivenessFlags {
  const ms = ' of milliseconds';
  const heartbeatMs = wholeNumber(values, 'heartbeat-ms', 10, 60_000, ms);
  const timeoutMs = wholeNumber(values, 'timeout-ms', 100, 3_600_000, ms);
  const joinTimeoutMs = wholeNumber(values, 'join-timeout-ms', 100, 86_400_000, ms);
  if (heartbeatMs !== undefined && timeoutMs !== undefined && timeoutMs <= heartbeatMs) {
    throw new UsageError(`--timeout-ms (${timeoutMs}) must be larger than --heartbeat-ms (${heartbeatMs}): a peer is gone only after several missed heartbeats.`);
  }
  return { ...(heartbeatMs !== undefined ? { heartbeatMs } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(joinTimeoutMs !== undefined ? { joinTimeoutMs } : {}) };
}

/** Validates the advanced flags of `dgm coordinator`. Throws UsageError. */
export function resolveCoordinatorRuntimeFlags(values: Values): CoordinatorRuntimeFlags {
  const run = runId(values);
  const stepTimeoutMs = wholeNumber(values, 'step-timeout-ms', 100, 86_400_000, ' of milliseconds');
  const checkEvery = wholeNumber(values, 'check-every', 0, 1e9, '');
  // --wire is listed with these flags but is a setting of the run (config/fields.ts): --resume keeps it.
  return {
    ...liveness(values),
    ...(run !== undefined ? { run } : {}),
    ...(stepTimeoutMs !== undefined ? { stepTimeoutMs } : {}),
    ...(checkEvery !== undefined ? { checkEvery } : {}),
  };
}

/** Reads --run-config: a run directory's config.json ({ config, configHash }) or a bare run config. */
function readRunConfig(file: string): RunConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--run-config ${file} could not be read as JSON: ${(error as Error).message}.`);
  }
  const stored = parsed as { config?: unknown; configHash?: unknown } | null;
  const config = stored !== null && typeof stored === 'object' && typeof stored.configHash === 'string' ? stored.config : parsed;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new UsageError(`--run-config ${file} must hold a run config (an object, as in a run directory's config.json).`);
  }
  // Its fields are checked by the worker (checkRunConfig), with a sentence naming the bad one.
  return config as RunConfig;
}

/** The advanced flags of `dgm worker` as given, for its per-GPU children (each validates them again). */
export function workerRuntimeArgs(values: Values): string[] {
  return WORKER_RUNTIME_OPTIONS.flatMap((o) => {
    const value = values[o.name];
    if (value === undefined || value === false) return [];
    return o.type === 'boolean' ? [`--${o.name}`] : [`--${o.name}`, String(value)];
  });
}

/** Validates the advanced flags of `dgm worker`. Throws UsageError. */
export function resolveWorkerRuntimeFlags(values: Values): WorkerRuntimeFlags {
  const run = runId(values);
  const rank = wholeNumber(values, 'rank', 0, 65535, '');
  const file = values['run-config'];
  const config = typeof file === 'string' ? readRunConfig(file) : undefined;
  return {
    ...liveness(values),
    ...(run !== undefined ? { run } : {}),
    ...(config !== undefined ? { config } : {}),
    ...(values['no-shared-memory'] ? { sharedMemory: false } : {}),
    ...(rank !== undefined ? { rank } : {}),
    ...ringPorts(values),
    ...reconnectWindow(values),
  };
}

/** --reconnect SECONDS as milliseconds for the worker; absent: a lost coordinator ends the worker. */
export function reconnectWindow(values: Values): { reconnectMs?: number } {
  const value = values.reconnect;
  if (value === undefined) return {};
  const seconds = typeof value === 'string' && /^\s*\d*\.?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(seconds > 0 && seconds <= MAX_RECONNECT_SECONDS)) {
    throw new UsageError(`--reconnect must be a number of seconds greater than 0 and at most ${MAX_RECONNECT_SECONDS} (how long a worker that lost its coordinator keeps trying to rejoin it), got '${String(value)}'.`);
  }
  return { reconnectMs: Math.max(1, Math.round(seconds * 1000)) };
}

function ringPorts(values: Values): { ringPorts?: string } {
  const value = values['ring-ports'];
  if (value === undefined) return {};
  if (typeof value !== 'string' || parsePortRange(value) === null) {
    throw new UsageError(`--ring-ports must be '*' (any free port) or LOW-HIGH with 1 ≤ LOW ≤ HIGH ≤ 65535 (e.g. 29500-29599), got '${String(value)}'.`);
  }
  return { ringPorts: value };
}

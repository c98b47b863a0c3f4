// runWorker's options as a field table (what each allows, in zod), their defaults, and the check
// between options; a bad one becomes one sentence.
import { BACKEND_NAMES, type BackendChoice } from '@dgm/core/names';
import { checkedBy, field, firstProblem, withCheck } from '@dgm/core/schema';
import { parsePortRange } from '@dgm/plane/names';
import { checkAddress, checkRunConfig, type RunConfig } from '@dgm/protocol';
import { checkCurveClientKeys, type CurveClientKeys } from '@dgm/protocol/security';
import * as z from 'zod/mini';
import type { Logger } from '@dgm/protocol/log';
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
  /** The rank a launcher placed this worker at (dgm launch); absent: the coordinator's first free rank. */
  rank?: number;
  /**
   * CURVE: encrypt the connection and authenticate both ends (this worker's key pair, listed at
   * the coordinator, and the coordinator's public key). Absent: plaintext, for loopback and ipc.
   */
  curve?: CurveClientKeys;
  /**
   * Ports this worker's ring socket may bind (hierarchical plane, between hosts): '*' (default,
   * any free port) or 'LOW-HIGH'. Open them between the hosts.
   */
  ringPorts?: string;
  /** Where to log (JSON lines); a file of the run directory, e.g. runs/<name>/logs/worker-0.log. */
  logFile?: string;
  /** A logger to use instead of creating one (then `logFile` is ignored). */
  logger?: Logger;
  /** Environment the device is read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Module loader handed to initBackend: only for tests that stand in for a GPU package. */
  loadModule?: (specifier: string) => Promise<unknown>;
  /**
   * After losing the coordinator of a run it had joined, keep trying the same address for this
   * long and rejoin a coordinator restarted with --resume (rejoin.ts); absent: end at once.
   */
  reconnectMs?: number;
  /** Told when the coordinator is lost and a rejoin starts, and when the worker rejoined. */
  onRejoin?: RejoinEvents;
}

/** What a reconnecting worker tells its caller (the CLI prints one line for each). */
export interface RejoinEvents {
  /** The coordinator is gone (`reason`); the worker tries again for `windowMs`. */
  lost(reason: string, windowMs: number): void;
  /** A coordinator admitted the worker again, at `rank`. */
  rejoined(rank: number, worldSize: number): void;
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
  rank: number | null;
  curve: CurveClientKeys | null;
  ringPorts: string;
  logFile: string | undefined;
  logger: Logger | undefined;
  env: Readonly<Record<string, string | undefined>>;
  loadModule: ((specifier: string) => Promise<unknown>) | undefined;
  reconnectMs: number | null;
  onRejoin: RejoinEvents | undefined;
}

const REQUIRED_CONNECT = "worker option 'connect' is required: the coordinator's tcp://host:port or ipc://path.";

/** An integer option of at least `min` (milliseconds, or bytes for maxMessageBytes). */
function msAtLeast(name: string, min: number, unit = 'milliseconds') {
  const allowed = `an integer of at least ${min} (${unit})`;
  return withCheck(field(z.unknown(), { allowed }), (v) => Number.isSafeInteger(v) && (v as number) >= min, (v) => `worker option '${name}' must be ${allowed}; got ${String(v)}.`);
}

/** Every option of runWorker with what it allows; relations between options are checked below. */
export const WORKER_FIELDS = {
  connect: field(
    checkedBy((v) => {
      if (typeof v !== 'string') throw new Error(REQUIRED_CONNECT);
      return checkAddress(v, 'connect');
    }, 'tcp://host:port or ipc://path'),
    { allowed: 'tcp://host:port or ipc://path', required: REQUIRED_CONNECT },
  ),
  config: checkedBy(checkRunConfig, 'a run config'),
  backend: withCheck(
    field(z.custom<BackendChoice>(), { allowed: BACKEND_NAMES.join(', ') }),
    (v) => BACKEND_NAMES.includes(v),
    (v) => `worker option 'backend' is '${String(v)}'; allowed are ${BACKEND_NAMES.join(', ')}.`,
  ),
  heartbeatMs: msAtLeast('heartbeatMs', 10),
  timeoutMs: msAtLeast('timeoutMs', 100),
  joinTimeoutMs: msAtLeast('joinTimeoutMs', 100),
  reduceTimeoutMs: msAtLeast('reduceTimeoutMs', 100),
  reconnectMs: msAtLeast('reconnectMs', 1),
  maxMessageBytes: msAtLeast('maxMessageBytes', 1024, 'bytes'),
  sharedMemory: withCheck(
    field(z.unknown(), { allowed: 'true or false' }),
    (v) => typeof v === 'boolean',
    (v) => `worker option 'sharedMemory' must be true or false; got ${String(v)}.`,
  ),
  rank: withCheck(
    field(z.unknown(), { allowed: 'an integer from 0 to 65535' }),
    (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 65535,
    (v) => `worker option 'rank' must be an integer from 0 to 65535; got ${String(v)}.`,
  ),
  curve: checkedBy((v) => checkCurveClientKeys(v as CurveClientKeys), 'a CURVE client key pair and server key'),
  ringPorts: withCheck(
    field(z.unknown(), { allowed: "'*' or LOW-HIGH (ports 1-65535)" }),
    (v) => typeof v === 'string' && isPortRange(v),
    (v) => `worker option 'ringPorts' is '${String(v)}'; allowed is '*' (any free port) or LOW-HIGH with 1 ≤ LOW ≤ HIGH ≤ 65535, e.g. 29500-29599.`,
  ),
};

function isPortRange(text: string): boolean {
  return parsePortRange(text) !== null;
}

/** Fills defaults and checks every option; throws WorkerOptionsError naming the bad one. */
export function resolveWorkerOptions(o: WorkerOptions): ResolvedWorkerOptions {
  const result = firstProblem(WORKER_FIELDS, o, 'ignore-unknown');
  if (!result.ok) {
    const p = result.problem;
    throw new WorkerOptionsError(p.kind === 'bad-value' && p.sentence ? p.sentence : REQUIRED_CONNECT);
  }
  const v = result.values;
  const heartbeatMs = (v.heartbeatMs as number | undefined) ?? 500;
  const timeoutMs = (v.timeoutMs as number | undefined) ?? 10_000;
  if (timeoutMs <= heartbeatMs) throw new WorkerOptionsError(`worker option 'timeoutMs' (${timeoutMs}) must be larger than 'heartbeatMs' (${heartbeatMs}).`);
  return {
    connect: v.connect as string,
    config: (v.config as RunConfig | undefined) ?? null,
    run: o.run ?? '',
    backend: v.backend ?? 'auto',
    heartbeatMs,
    timeoutMs,
    joinTimeoutMs: (v.joinTimeoutMs as number | undefined) ?? 60_000,
    reduceTimeoutMs: (v.reduceTimeoutMs as number | undefined) ?? 600_000,
    maxMessageBytes: (v.maxMessageBytes as number | undefined) ?? 1 << 30,
    sharedMemory: (v.sharedMemory as boolean | undefined) ?? true,
    rank: (v.rank as number | undefined) ?? null,
    curve: (v.curve as CurveClientKeys | undefined) ?? null,
    ringPorts: (v.ringPorts as string | undefined) ?? '*',
    logFile: o.logFile,
    logger: o.logger,
    env: o.env ?? process.env,
    loadModule: o.loadModule,
    reconnectMs: (v.reconnectMs as number | undefined) ?? null,
    onRejoin: o.onRejoin,
  };
}

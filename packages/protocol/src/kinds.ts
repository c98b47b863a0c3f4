// The message kinds of protocol v1, as typed values in memory. Tensor payloads are typed-array
// views that travel as raw little-endian frames after the header (see codec.ts); every other
// field travels in the msgpack header.

/** All message kinds, in the order a run meets them. */
export const MESSAGE_KINDS = [
  'HELLO',
  'WELCOME',
  'REJECT',
  'STATE',
  'STEP',
  'GRADS',
  'REDUCED',
  'PLANE',
  'RING',
  'SOLO',
  'TURN',
  'DONE',
  'ABORT',
  'ABORTED',
  'HEARTBEAT',
  'SNAPSHOT_REQUEST',
  'SNAPSHOT',
  'STOP',
  'FAILED',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Element types a tensor entry may have: both are 4 bytes wide, little-endian on the wire. */
export type TensorDtype = 'float32' | 'int32';

/** One named tensor inside a packed STATE/SNAPSHOT payload. */
export interface TensorEntry {
  name: string;
  dtype: TensorDtype;
  shape: number[];
}

/** What a STATE or SNAPSHOT carries: every weight + optimizer slot, or only BatchNorm-style moving statistics. */
export type StateScope = 'full' | 'stats';
/** What a SNAPSHOT_REQUEST asks for: a full state, only moving statistics, or only the weights hash. */
export type SnapshotScope = StateScope | 'hash';

interface Base {
  /** Run id; workers and coordinator must agree on it. */
  run: string;
}

/** Worker → coordinator: asks to join. Hashes are null when the worker has no config yet and asks for it. */
export interface HelloMessage extends Base {
  type: 'HELLO';
  configHash: string | null;
  manifestHash: string | null;
  backend: string;
  device: string;
  pid: number;
  host: string;
  /**
   * The worker's shared-memory segment, when it has one: `shmId` names the shared-memory
   * filesystem it lives on (workers with equal ids see the same files), `shmPath` the file.
   */
  shmId: string | null;
  shmPath: string | null;
  /**
   * The rank a launcher placed this worker at (`dgm launch`: the scheduler's rank), or null/absent:
   * the coordinator then gives the first free rank. With it, a rank that never joins is named.
   */
  rank?: number | null;
  /**
   * The hierarchical plane's offer: the endpoint this worker's ring socket is bound to
   * (`tcp://IP:PORT`, reachable from the other hosts) and the CURVE public key it serves with
   * (null when the worker runs without keys). Absent or null: it offers no ring socket.
   */
  ringAddress?: string | null;
  ringKey?: string | null;
}

/**
 * Coordinator → worker: accepted. `rank` is null when the worker has not presented a manifest
 * hash yet: it then builds its model from `config` and says HELLO again with both hashes.
 */
export interface WelcomeMessage extends Base {
  type: 'WELCOME';
  rank: number | null;
  worldSize: number;
  configHash: string;
  config: Record<string, unknown>;
  heartbeatMs: number;
  timeoutMs: number;
}

/** Coordinator → worker: refused, with one sentence the worker prints. */
export interface RejectMessage extends Base {
  type: 'REJECT';
  reason: string;
}

/** Coordinator → worker: weights (+ optimizer state) to load, for start, resync or moving-statistics sync. */
export interface StateMessage extends Base {
  type: 'STATE';
  step: number;
  scope: StateScope;
  entries: TensorEntry[];
  /** All entries back to back, 4 bytes per element, in `entries` order. */
  data: Uint8Array;
  /**
   * A full state taken in the middle of step `step` (an elastic run's survivors brought level
   * after a worker died mid-step): the phases of `step` it already applied. Absent: none.
   */
  applied?: string[];
}

/** Coordinator → worker: compute step `step` on these global sample indices. */
export interface StepMessage extends Base {
  type: 'STEP';
  step: number;
  epoch: number;
  indices: Int32Array;
  /** The step's first phase to run (absent: all): a step redone after a worker died runs only the phases not yet applied. */
  from?: string;
}

/** Worker → coordinator: the flattened gradient of one phase, mean over `sampleCount` local samples. */
export interface GradsMessage extends Base {
  type: 'GRADS';
  step: number;
  phase: string;
  sampleCount: number;
  grads: Float32Array;
}

/** Coordinator → worker: the sample-weighted average gradient of one phase. */
export interface ReducedMessage extends Base {
  type: 'REDUCED';
  step: number;
  phase: string;
  grads: Float32Array;
}

/**
 * Coordinator → worker, once before the first STEP: average gradients through shared memory
 * instead of GRADS/REDUCED. `segments[rank]` is that rank's segment file.
 */
export interface PlaneMessage extends Base {
  type: 'PLANE';
  segments: string[];
}

/** How gradient chunks travel between hosts on the hierarchical plane. */
export type WireFormat = 'fp32' | 'bf16' | 'fp16';
export const WIRE_FORMATS: readonly WireFormat[] = ['fp32', 'bf16', 'fp16'];

/**
 * Coordinator → worker, once before the first STEP: average gradients through the hierarchical
 * plane (shared memory inside a host, rings between hosts). Per rank: `hosts[rank]` its host's
 * index (hosts numbered in the order of their lowest rank), `hostNames[rank]` its hostname, `segments[rank]` its segment file,
 * `addresses[rank]` its ring socket, `keys[rank]` that socket's CURVE public key (`keys` is empty
 * when the run has no keys). `wire` is how chunks are encoded between hosts.
 */
export interface RingMessage extends Base {
  type: 'RING';
  hosts: number[];
  /** Each rank's hostname (for sentences about a lost neighbour). */
  hostNames: string[];
  segments: string[];
  addresses: string[];
  keys: string[];
  wire: WireFormat;
}

/**
 * Coordinator → worker, once before the first STEP (and again after an elastic run's change that
 * leaves one member): the run has this one worker, so it averages alone — its own gradient is
 * the average, and no GRADS/REDUCED cross for any phase.
 */
export interface SoloMessage extends Base {
  type: 'SOLO';
}

/**
 * Stages of one phase's average on the shared-memory plane: either 'grads' (each rank's gradient
 * is in its segment, each averages its chunk) then 'sums' (each rank's averaged chunk is in its
 * segment), or the single stage 'whole' (each rank's whole gradient is in its segment, each
 * averages all of it). Which one is decided by @dgm/plane's `sharedStages`, the same way everywhere.
 */
export type SharedStage = 'grads' | 'sums' | 'whole';

/**
 * Worker → worker (shared-memory plane, over the workers' own sockets, never the coordinator):
 * rank `rank` wrote its part of `stage` of this phase to its segment. When a worker holds every
 * rank's TURN of a stage it reads the stage: `sampleCount` of each weighs its gradient.
 */
export interface TurnMessage extends Base {
  type: 'TURN';
  rank: number;
  step: number;
  phase: string;
  stage: SharedStage;
  sampleCount: number;
}

/**
 * Worker → coordinator: step finished and applied; local losses are means over `sampleCount`
 * samples. `error` is non-null when the step failed on this worker (the run must stop).
 */
export interface DoneMessage extends Base {
  type: 'DONE';
  step: number;
  error: string | null;
  sampleCount: number;
  losses: Record<string, number>;
  computeMs: number;
  reduceMs: number;
  /** Phases whose gradient on this worker held a NaN or ±Infinity before the reduce (absent: none). */
  nonFinite?: string[];
  /** Phases not applied because the averaged gradient was non-finite: the same on every replica (absent: none). */
  skipped?: string[];
}

/**
 * Coordinator → worker (elastic runs): the members changed (a worker died, or one joins). Stop
 * the step in progress at once (fail the plane's waits), forget any STEP (and plane setup) queued
 * behind it (and `step` itself), release the plane (segments and rings were built for the old
 * members: it drops back to the star), and answer ABORTED once nothing of the step runs any more.
 */
export interface AbortMessage extends Base {
  type: 'ABORT';
  /** The first step the coordinator has not seen finished by every member. */
  step: number;
}

/** What a worker offers the data planes: HELLO's and ABORTED's offer fields (see HelloMessage). */
export type PlaneOfferFields = Pick<HelloMessage, 'shmId' | 'shmPath' | 'ringAddress' | 'ringKey'>;

/**
 * Worker → coordinator: the answer to ABORT, where this replica stands: `step` is its first step
 * not applied whole and `applied` the phases of it that are (the generator average counting with
 * 'g'), so the coordinator redoes the step from the first phase not applied. The offer fields
 * (as in HELLO; absent: none) are what it prepared for the data plane of the new members: a fresh
 * segment and ring socket, since the old ones were released with the old plane.
 */
export interface AbortedMessage extends Base, Partial<PlaneOfferFields> {
  type: 'ABORTED';
  step: number;
  applied: string[];
}

/**
 * Worker → coordinator: this worker cannot go on, for a reason outside a step (a failed step says
 * so in DONE): loading its data, opening the shared-memory segments, loading a state. The
 * coordinator stops the run with the reason instead of waiting until the worker counts as gone.
 */
export interface FailedMessage extends Base {
  type: 'FAILED';
  reason: string;
}

/** Either direction: I am alive (also sent while idle so waits can be bounded). */
export interface HeartbeatMessage extends Base {
  type: 'HEARTBEAT';
}

/** Coordinator → worker: send me your state (or only its hash) as of the last applied step. */
export interface SnapshotRequestMessage extends Base {
  type: 'SNAPSHOT_REQUEST';
  step: number;
  scope: SnapshotScope;
}

/** Worker → coordinator: answer to SNAPSHOT_REQUEST. `data` is empty for scope 'hash'. */
export interface SnapshotMessage extends Base {
  type: 'SNAPSHOT';
  step: number;
  scope: SnapshotScope;
  hash: string;
  entries: TensorEntry[];
  data: Uint8Array;
}

/** Coordinator → worker: the run is over. `error` says whether it ended by a failure. */
export interface StopMessage extends Base {
  type: 'STOP';
  reason: string;
  error: boolean;
}

export type Message =
  | HelloMessage
  | WelcomeMessage
  | RejectMessage
  | StateMessage
  | StepMessage
  | GradsMessage
  | ReducedMessage
  | PlaneMessage
  | RingMessage
  | SoloMessage
  | TurnMessage
  | DoneMessage
  | AbortMessage
  | AbortedMessage
  | FailedMessage
  | HeartbeatMessage
  | SnapshotRequestMessage
  | SnapshotMessage
  | StopMessage;

/** The message type of one kind, e.g. `MessageOf<'GRADS'>`. */
export type MessageOf<K extends MessageKind> = Extract<Message, { type: K }>;

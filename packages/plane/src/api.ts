// What a data plane is (shaped like torch's c10d backends): a way to average every phase's
// gradients among the workers, with one end in each worker and one in the coordinator, and the
// message kinds that pass between the two. A plane lives in one folder (star/, shared/) holding
// both ends; registry.ts lists the planes and picks one per run. The coordinator and the worker
// only route: every message kind of a plane goes to that plane's end.
import type { GradientReducer } from '@dgm/core';
import type { Message, MessageKind } from '@dgm/protocol';
import type { CurveKeyPair } from '@dgm/protocol/security';
import type { PlaneName, RingTransport, WireChoice } from './names.js';

/** What a worker offers at HELLO for planes that need something of it (HELLO's shmId/shmPath). */
export interface WorkerOffer {
  /** Its shared-memory segment: `id` names the filesystem (equal ids see the same files), `path` the file. */
  shm: { id: string; path: string } | null;
  /** Its ring socket (hierarchical plane): `address` tcp://IP:PORT, `key` its CURVE public key (null without keys). */
  ring?: { address: string; key: string | null } | null;
}

/** A worker as the coordinator's end of a plane sees it. */
export interface PlaneMember extends WorkerOffer {
  rank: number;
  pid: number;
  host: string;
}

/** A message a plane's end did not expect now (wrong step, phase or stage; a setup out of turn): dropped, not fatal. */
export class OutOfTurnError extends Error {
  override name = 'OutOfTurnError';
}

// ---- the coordinator's end ----

export interface CoordinatorPlaneContext<M extends PlaneMember> {
  run: string;
  /** Floats of each phase's flat gradient (the replica's manifests). */
  gradSizes: Readonly<Record<string, number>>;
  /** The run's members, by rank. */
  members(): M[];
  send(member: M, message: Message): Promise<void>;
  /** A send to `member` failed: it is gone and the step must stop. `what` names what was sent. */
  lost(member: M, what: string, error: Error): void;
  /** A message that broke the plane's protocol (logged and dropped, not fatal). */
  dropped(member: M, reason: string): void;
}

/** The coordinator's end: the round it runs for each phase of a step. */
export interface CoordinatorPlaneEnd<M extends PlaneMember> {
  readonly name: PlaneName;
  /** A step starts: the phase rounds that follow belong to it. */
  begin(step: number): void;
  /** One message of the plane's `toCoordinator` kinds from a member. */
  onMessage(member: M, message: Message): void;
  /** The phases averaged so far in the current step, in order. */
  readonly phases: readonly string[];
  /** Forgets the current step's partial rounds (it finished or was abandoned). */
  reset(): void;
}

// ---- the worker's end ----

export interface WorkerPlaneContext {
  run: string;
  rank: number;
  worldSize: number;
  send(message: Message): Promise<void>;
  /** Bound of every wait for the coordinator's answer. */
  timeoutMs: number;
  /** Bound of every wait for a peer worker (a ring neighbour): the heartbeat timeout (default timeoutMs). */
  linkTimeoutMs?: number;
  /** A message a peer worker sent that broke the plane's protocol (logged sparingly and dropped, not fatal). */
  dropped?(reason: string): void;
}

/** The worker's end: the GradientReducer its Trainer calls, fed by the plane's messages. */
export interface WorkerPlaneEnd extends GradientReducer {
  readonly name: PlaneName;
  /** One message of the plane's `toWorker` kinds; throws OutOfTurnError when nothing waits for it. */
  deliver(message: Message): void;
  /** Rejects the waiting reduce() (if any) and every later one with `error`. */
  fail(error: Error): void;
  /** Frees what the end holds (files, memory). */
  close(): void;
}

/** What a worker prepared for a plane before HELLO (e.g. a shared-memory segment). */
export interface WorkerPreparation {
  /** Its part of the HELLO offer. */
  offer: Partial<WorkerOffer>;
  /** Frees it when the plane is not used after all. */
  release(): void;
}

export interface PrepareContext {
  gradSizes: Readonly<Record<string, number>>;
  /** False when the worker was told not to use shared memory. */
  sharedMemory: boolean;
  /** The coordinator's address this worker connects to (the ring binds on the interface that reaches it). */
  coordinator?: string;
  /** This worker's CURVE key pair when the run has keys (its ring socket serves and connects with it), else null. */
  keyPair?: CurveKeyPair | null;
  /** The ports a ring socket may bind: '*' (any free one) or 'LOW-HIGH'. */
  ringPorts?: string;
  /** How a keyless run's ring chunks travel (default 'tcp'; benches compare 'zeromq'); a run with keys always uses ZeroMQ's CURVE. */
  ringTransport?: RingTransport;
  /** What the shared plane prepared (its segment), for planes that build on it. */
  segment?: WorkerPreparation | null;
  log(message: string, detail?: Record<string, unknown>): void;
}

// ---- a plane ----

/** A run's choices for its plane (the coordinator's options). */
export interface PlaneOptions {
  /** How chunks travel between hosts (hierarchical plane); default fp32. */
  wire?: WireChoice;
}

export interface PlaneDefinition {
  readonly name: PlaneName;
  /** Kinds the coordinator's end receives from workers. */
  readonly toCoordinator: readonly MessageKind[];
  /** Kinds the worker's end receives, except the setup. */
  readonly toWorker: readonly MessageKind[];
  /** The kind that switches workers to this plane before the first STEP; null for the default plane (no setup). */
  readonly setupKind: MessageKind | null;
  /** Why this plane cannot serve these members (one sentence), or null when it can. */
  unavailable(members: readonly PlaneMember[]): string | null;
  /** The setup message every member gets before the first STEP (null: none). */
  setup(run: string, members: readonly PlaneMember[], options?: PlaneOptions): Message | null;
  coordinatorEnd<M extends PlaneMember>(context: CoordinatorPlaneContext<M>): CoordinatorPlaneEnd<M>;
  /** Worker, before HELLO: what it offers for this plane (null: nothing to offer). */
  prepare(context: PrepareContext): WorkerPreparation | null | Promise<WorkerPreparation | null>;
  /**
   * Worker: opens its end from the setup message (null for the default plane) and what it
   * prepared. Throws OutOfTurnError when the setup is not meant for this worker (dropped).
   */
  workerEnd(context: WorkerPlaneContext, setup: Message | null, prepared: WorkerPreparation | null): WorkerPlaneEnd;
}

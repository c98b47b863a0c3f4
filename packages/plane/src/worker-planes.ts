// A worker's side of the data planes, for its session: what it offers at HELLO, which plane's
// end its Trainer reduces through (the default until a setup message names another, settled by
// the first STEP), and where the planes' messages go. The session only routes: every kind
// planeOfKind() knows comes here. In an elastic run an ABORT releases the plane (reset) and the
// worker offers afresh (reoffer, in ABORTED) for the plane of the new members.
import type { GradientReducer, PhaseName } from '@dgm/core';
import type { Message, PlaneOfferFields } from '@dgm/protocol';
import { OutOfTurnError, type PrepareContext, type WorkerPlaneContext, type WorkerPlaneEnd, type WorkerPreparation } from './api.js';
import type { PlaneName } from './names.js';
import { DEFAULT_PLANE, PLANES, planeOfKind } from './registry.js';

export class WorkerPlanes implements GradientReducer {
  /** Preparations no plane took yet (each valid: released as soon as what it builds on goes). */
  private readonly prepared = new Map<PlaneName, WorkerPreparation>();
  private preparing: PrepareContext | null = null;
  private context: WorkerPlaneContext | null = null;
  private active: WorkerPlaneEnd | null = null;
  private settled = false;

  /** The plane reduce() goes through now, or null before admission. */
  get plane(): PlaneName | null {
    return this.active?.name ?? null;
  }

  /** Prepares what each plane needs before HELLO (once: a second HELLO offers the same); returns HELLO's offer fields. */
  async offer(context: PrepareContext): Promise<PlaneOfferFields> {
    if (this.preparing === null) {
      this.preparing = context;
      await this.prepareMissing();
    }
    return this.offerFields();
  }

  /**
   * After a reset (an elastic run's members changed): prepares afresh what the released plane
   * held (a new segment, a new ring socket: the old ones were laid out for the old members and
   * their names are gone), keeping what no plane took yet; returns the offer for the next setup.
   */
  async reoffer(): Promise<PlaneOfferFields> {
    if (this.preparing !== null) await this.prepareMissing();
    return this.offerFields();
  }

  private async prepareMissing(): Promise<void> {
    const context = this.preparing!;
    for (const plane of Object.values(PLANES)) {
      if (this.prepared.has(plane.name)) continue;
      // The hierarchical plane builds on the shared plane's segment: it gets that preparation.
      const p = plane.name === 'hierarchical' ? await plane.prepare({ ...context, segment: this.prepared.get('shared') ?? null }) : await plane.prepare(context);
      if (p) this.prepared.set(plane.name, p);
    }
  }

  private offerFields(): PlaneOfferFields {
    let shm: { id: string; path: string } | null = null;
    let ring: { address: string; key: string | null } | null = null;
    for (const p of this.prepared.values()) {
      shm = p.offer.shm ?? shm;
      ring = p.offer.ring ?? ring;
    }
    return { shmId: shm?.id ?? null, shmPath: shm?.path ?? null, ringAddress: ring?.address ?? null, ringKey: ring?.key ?? null };
  }

  /** Admitted with a rank: gradients go through the default plane until a setup names another. */
  admit(context: WorkerPlaneContext): void {
    this.context = context;
    this.active?.close();
    this.active = DEFAULT_PLANE.workerEnd(context, null, null);
  }

  /** True for a setup message (PLANE): the session queues it behind the state it is loading. */
  isSetup(message: Message): boolean {
    return planeOfKind(message.type)?.setupKind === message.type;
  }

  /** True for any message kind of a plane. */
  owns(message: Message): boolean {
    return planeOfKind(message.type) !== null;
  }

  /**
   * Switches to the plane `message` sets up. `ready` says the session is admitted and has its
   * state; a setup before that, after the first STEP (since the last reset) or a second one is
   * out of turn (dropped).
   */
  setUp(message: Message, ready: boolean): PlaneName {
    const plane = planeOfKind(message.type);
    if (!plane || plane.setupKind !== message.type) throw new OutOfTurnError(`${message.type} sets up no data plane`);
    if (!ready || !this.context || this.settled || this.active?.name !== DEFAULT_PLANE.name) throw new OutOfTurnError(`${message.type} out of turn`);
    const end = plane.workerEnd(this.context, message, this.prepared.get(plane.name) ?? null);
    this.prepared.delete(plane.name); // the end owns it now
    // The hierarchical end also took the shared plane's segment (its preparation holds it).
    if (plane.name === 'hierarchical') this.prepared.delete('shared');
    // What other planes prepared may build on what this end took (the ring on the segment): freed now.
    this.releasePrepared();
    this.active.close();
    this.active = end;
    return end.name;
  }

  /** The first STEP: no setup after this; what was prepared for other planes is freed. */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.releasePrepared();
  }

  /** A plane's message for the active end; throws OutOfTurnError when nothing waits for it. */
  deliver(message: Message): void {
    const plane = planeOfKind(message.type);
    if (!this.active || !plane || !PLANES[this.active.name].toWorker.includes(message.type)) {
      throw new OutOfTurnError(`${message.type} outside the ${plane?.name ?? 'unknown'} plane (this worker averages through ${this.active?.name ?? 'no plane yet'})`);
    }
    this.active.deliver(message);
  }

  reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    if (!this.active) return Promise.reject(new Error(`phase '${phase}' of step ${step} was reduced before this worker was admitted`));
    return this.active.reduce(phase, step, grads, sampleCount);
  }

  /**
   * The members changed (an elastic run's ABORT): rejects the waiting reduce() (if any) with
   * `error`, releases the active plane (its segment, peers' segments, turn and ring sockets) and
   * goes back to the star, which needs no setup, until the coordinator sets a plane up for the new
   * members (reoffer() prepares what that needs).
   */
  reset(error: Error): void {
    if (!this.context) return;
    this.active?.fail(error);
    this.active?.close();
    this.active = DEFAULT_PLANE.workerEnd(this.context, null, null);
    this.settled = false;
  }

  /** Rejects the waiting reduce() (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.active?.fail(error);
  }

  /** Frees every plane's files and memory. */
  close(): void {
    this.active?.close();
    this.releasePrepared();
  }

  private releasePrepared(): void {
    for (const p of this.prepared.values()) p.release();
    this.prepared.clear();
  }
}

// A run once the coordinator is bound: admit N workers, broadcast the initial state, choose the
// data plane, drive the steps (slices from the epoch sampler), check replicas every K steps,
// write the run's outputs, and stop everyone cleanly. Messages are routed here: HELLO to
// admission, DONE to the step exchange, the data plane's kinds to its coordinator end.
import type { ReplicaModel } from '@dgm/core';
import type { Dataset, EpochSampler } from '@dgm/core/node';
import { planeOfKind, planeReceives } from '@dgm/plane';
import { unpackTensors, type Message } from '@dgm/protocol';
import { DropLog, type Logger } from '@dgm/protocol/log';
import { openDataPlane, type OpenedPlane } from './data-plane.js';
import { broadcastInitialState } from './initial-state.js';
import { JoinTimeoutError, MembershipChangedError, MembershipStopError, RunStoppedError, WorkerFailedError, WorkerLostError } from './errors.js';
import { LivenessProbe } from './liveness.js';
import { Membership, type Member } from './membership.js';
import { MembershipChanges } from './membership-change.js';
import type { ResumePoint } from './checkpointing.js';
import type { ResolvedCoordinatorOptions } from './options.js';
import { SnapshotReplies } from './replies.js';
import { verifyReplicas } from './replica-checks.js';
import { RunOutputs } from './run-outputs.js';
import type { RunPaths } from './run-directory.js';
import type { CoordinatorResult } from './run-result.js';
import type { RunServices } from './run-services.js';
import { SkippedSteps } from './skipped-steps.js';
import { followsDirectly, recoveredStep, runStep } from './step-record.js';
import { StepExchange, type ExchangeFaults } from './step-exchange.js';
import type { Peer, WorkerRouter } from './worker-router.js';

export class CoordinatorRun implements RunServices {
  readonly membership: Membership;
  readonly replies: SnapshotReplies;
  readonly run: string;
  private readonly liveness: LivenessProbe;
  private readonly abort: Promise<never>;
  private rejectAbort!: (e: Error) => void;
  private failure: Error | null = null;
  private stopReason: string | null = null;
  private running = false;
  /** Set once execute() ends: a heartbeat send still pending then fails with the closed socket, and means nothing. */
  private ended = false;
  private readonly drops = new DropLog((message, fields) => this.log.warn(message, fields), (n) => `dropped ${n} messages so far`);
  private plane: OpenedPlane | null = null;
  private exchange: StepExchange | null = null;
  private readonly outputs: RunOutputs;
  private readonly skips: SkippedSteps;
  /** Elastic runs: losses and joins mid-run (membership-change.ts). */
  private readonly changes: MembershipChanges;
  private readonly startStep: number;
  /** Where the coordinator listens (set once bound): said to a person when the run needs more workers. */
  address = '';

  constructor(
    private readonly o: ResolvedCoordinatorOptions,
    readonly log: Logger,
    private readonly router: WorkerRouter,
    private readonly parts: ReplicaModel,
    dataset: Dataset,
    private readonly sampler: EpochSampler,
    configHash: string,
    paths: RunPaths | null,
    resumed: ResumePoint,
  ) {
    this.startStep = resumed.step;
    this.run = o.run;
    this.abort = new Promise<never>((_, reject) => {
      this.rejectAbort = reject;
    });
    this.abort.catch(() => undefined); // observed by whoever races it
    this.membership = new Membership({
      run: o.run,
      config: o.config,
      configHash,
      manifestHash: parts.manifestHash,
      worldSize: o.workers,
      heartbeatMs: o.heartbeatMs,
      timeoutMs: o.timeoutMs,
      lateSeat: () => this.changes.lateSeat(),
    });
    this.replies = new SnapshotReplies((m, msg) => this.router.send(m.peer, msg), o.stepTimeoutMs, (m, error) => (this.changes.elastic && this.running ? this.changes.sendFailed(m, error) : error));
    this.changes = new MembershipChanges(o, {
      run: o.run,
      log,
      membership: this.membership,
      replies: this.replies,
      send: (m, msg) => this.router.send(m.peer, msg),
      abortStep: (error) => this.exchange?.abort(error),
      reopen: (members) => this.openPlane(members, true),
      address: () => this.address,
    }, resumed.membership);
    this.liveness = new LivenessProbe(o.run, router, this.membership, (m, why) => this.lost(m, why));
    const settings = { config: o.config, configHash, keepCheckpoints: o.keepCheckpoints, reportEveryMs: o.reportEveryMs, onStep: o.onStep, membership: () => this.changes.history };
    this.outputs = new RunOutputs(this, settings, parts, dataset, sampler, paths);
    this.skips = new SkippedSteps(o.maxSkippedSteps, log);
  }

  onMessage(peer: Peer, m: Message): void {
    if (m.type === 'HELLO') {
      const { reply, member, late } = this.membership.admit(peer, m);
      if (member) this.log.info('worker joined', { rank: member.rank, pid: member.pid, host: member.host, backend: member.backend, device: member.device });
      if (member && late) this.changes.joined(member);
      else if (reply.type === 'REJECT') this.log.warn('worker rejected', { pid: m.pid, host: m.host, reason: reply.reason });
      this.router.send(peer, reply).catch((error: Error) => this.log.warn('could not answer a HELLO', { reason: error.message }));
      return;
    }
    const member = this.membership.get(peer);
    if (!member) return this.drop(`peer ${peer.key.slice(0, 12)}`, `${m.type} from a peer that has not joined`);
    if (m.run !== this.run) return this.drop(`rank ${member.rank}`, `${m.type} names run '${m.run}'`);
    member.lastHeard = Date.now();
    const plane = planeOfKind(m.type);
    if (plane && plane.toCoordinator.includes(m.type)) {
      if (!this.plane || !planeReceives(this.plane.name, m.type)) return this.drop(`rank ${member.rank}`, `${m.type} is a message of the ${plane.name} plane, and this run averages through ${this.plane?.name ?? 'no plane yet'}`);
      return this.plane.end.onMessage(member, m);
    }
    switch (m.type) {
      case 'DONE':
        if (!this.exchange) return this.drop(`rank ${member.rank}`, `DONE for step ${m.step} while no step is running`);
        return this.exchange.onDone(member, m);
      case 'SNAPSHOT':
        if (!this.replies.deliver(member, m)) this.drop(`rank ${member.rank}`, `a ${m.scope} SNAPSHOT of step ${m.step} nobody asked for`);
        return;
      case 'ABORTED':
        if (!this.changes.onAborted(member, m)) this.drop(`rank ${member.rank}`, `an ABORTED of step ${m.step} nobody asked for`);
        return;
      case 'HEARTBEAT':
        return;
      case 'FAILED':
        // An elastic run drops the worker; otherwise (before the run starts too) the run stops:
        // a worker that cannot load its data would fail again if restarted, and its reason says
        // more than the join timeout would.
        if (this.running && this.changes.elastic) return this.changes.lose(member, `it failed: ${m.reason}`);
        return this.fail(new WorkerFailedError(`rank ${member.rank} (pid ${member.pid} on ${member.host}) failed: ${m.reason}`));
      default:
        return this.drop(`rank ${member.rank}`, `workers do not send ${m.type}`);
    }
  }

  onInvalid(peer: Peer, reason: string, detail: { type?: string; peerVersion?: number }): void {
    const who = this.membership.get(peer);
    this.drop(who ? `rank ${who.rank}` : `peer ${peer.key.slice(0, 12)}`, reason);
    // A worker of another protocol version deserves an answer, not silence until its timeout.
    if (detail.type === 'HELLO' && detail.peerVersion !== undefined) {
      this.router.send(peer, { type: 'REJECT', run: this.run, reason }).catch(() => undefined);
    }
  }

  /** A connection dropped: find out whose, at once. */
  onDisconnect(): void {
    this.liveness.probe();
  }

  /** Logs a dropped message (the first ones in full, then a count now and then: a flood must not flood the log). */
  private drop(from: string, reason: string): void {
    this.drops.note('dropped a message', { from, reason });
  }

  private lost(m: Member, why: string): void {
    // After the end (say a join timeout) the logger may be closed already: nothing to report.
    if (this.failure || this.ended) return;
    if (!this.running) {
      this.membership.remove(m);
      this.log.warn('a worker left before the run started; its rank is free again', { rank: m.rank, pid: m.pid, reason: why });
      return;
    }
    if (this.changes.elastic) return this.changes.lose(m, why);
    this.fail(new WorkerLostError(`worker rank ${m.rank} (pid ${m.pid} on ${m.host}) is gone (${why}); the run stops.`));
  }

  /** How the step exchange and the plane treat a member they cannot reach: an elastic run drops it, any other stops. */
  private readonly faults: ExchangeFaults = {
    lost: (m, error) => (this.changes.elastic ? this.changes.lose(m, error.message.replace(/\.$/, '')) : this.exchange?.abort(error)),
    timedOut: (missing, error) => {
      if (!this.changes.elastic) return error;
      for (const m of missing) this.changes.lose(m, `no answer within the step timeout (${this.o.stepTimeoutMs} ms)`);
      return new MembershipChangedError(error.message);
    },
  };

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.exchange?.abort(error);
    this.replies.failAll(error);
    this.rejectAbort(error);
  }

  requestStop(reason: string): void {
    this.stopReason ??= reason;
    this.changes.interrupt(); // a wait for more workers ends: the run stops with what it has
    if (!this.running) this.fail(new RunStoppedError(`the run was stopped before it started: ${reason}`));
  }

  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.abort]);
  }

  async sendTo(m: Member, message: Message, what: string): Promise<void> {
    try {
      await this.router.send(m.peer, message);
    } catch (error) {
      const lost = new WorkerLostError(`could not send ${what} to worker rank ${m.rank} (pid ${m.pid} on ${m.host}): ${(error as Error).message}.`);
      throw this.changes.elastic && this.running ? this.changes.sendFailed(m, lost) : lost;
    }
  }

  async execute(): Promise<CoordinatorResult> {
    this.liveness.start(this.o.heartbeatMs);
    this.outputs.startReport();
    try {
      await this.membership.waitFull(
        this.o.joinTimeoutMs,
        (joined) => {
          const missing = this.membership.missingRanks;
          const named = `rank${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`;
          return new JoinTimeoutError(`only ${joined} of ${this.o.workers} workers joined within ${this.o.joinTimeoutMs} ms; start the missing workers (${named}) with --connect pointing at this coordinator, or lower the worker count.`);
        },
        this.abort,
      );
      this.membership.close();
      this.running = true;
      const members = this.membership.members;
      this.log.info('all workers joined; run starts', { workers: members.length, startStep: this.startStep, steps: this.o.config.steps });
      try {
        await broadcastInitialState(this, this.parts, this.startStep);
        await this.setUpDataPlane(members);
      } catch (error) {
        // A worker lost here (elastic runs): the first settle below drops it and sets up the star.
        if (!(error instanceof MembershipChangedError)) throw error;
      }
      let step = this.startStep;
      let lastCheck: { step: number; hash: string } | null = null;
      const between = { steps: this.o.config.steps, checkEvery: this.o.checkEvery, checkpointEvery: this.o.checkpointEvery, sampleEvery: this.o.sampleEvery };
      // A step whose STEP went out ahead is finished even after a stop request or past the skip
      // limit: workers compute it anyway. So is a step redone from a later phase (`from`): its
      // first phases are applied, and a checkpoint must not hold half a step.
      const going = () => this.stopReason === null && this.skips.overLimit === null && this.changes.stopReason === null;
      let from: string | undefined;
      while (step < this.o.config.steps && (going() || this.exchange!.started(step) || from !== undefined)) {
        this.changes.at(step);
        if (this.changes.due) {
          const at = await this.race(this.changes.settle(step));
          // Steps a replica finished before the others were brought level (shared plane): their line, without losses.
          for (; step < at.step; step++) this.outputs.recordStep(recoveredStep(step, this.sampler, this.parts.trainer, this.membership.members.length));
          from = at.applied.length > 0 ? this.parts.trainer.phasesAt(step)[at.applied.length] : undefined;
          continue;
        }
        const sendNext = going() && from === undefined && !this.changes.joinPending && followsDirectly(between, step + 1);
        let record;
        try {
          record = await runStep(this, this.exchange!, this.sampler, step, this.parts.trainer, this.skips, sendNext, from);
        } catch (error) {
          if (error instanceof MembershipChangedError) continue; // settled at the top, then redone
          throw error;
        }
        from = undefined;
        const events = this.changes.takeEvents();
        this.outputs.recordStep(events ? { ...record, membership: events } : record);
        step++;
        const last = step === this.o.config.steps;
        if (this.o.checkEvery > 0 && step % this.o.checkEvery === 0 && !last) lastCheck = await this.steady(step, async () => ({ step, hash: await verifyReplicas(this, this.parts.model, step) }));
        if (this.o.checkpointEvery > 0 && step % this.o.checkpointEvery === 0 && !last) await this.steady(step, () => this.outputs.checkpoint(step));
        if (this.o.sampleEvery > 0 && step % this.o.sampleEvery === 0 && !last) await this.steady(step, () => this.outputs.samples(step));
      }
      return await this.finish(step, lastCheck);
    } catch (error) {
      const e = error as Error;
      if (!(e instanceof RunStoppedError && this.failure === null)) {
        this.log.error(e.message, { error: e.name });
        await this.stopAll(e.message, true);
      }
      throw e;
    } finally {
      this.ended = true;
      this.liveness.stop();
      this.router.close(Math.min(1000, this.o.timeoutMs));
      await this.outputs.close();
    }
  }

  /**
   * `op` between steps (a check, a checkpoint, a grid), with the replicas standing at `step`: a
   * member lost meanwhile is settled and `op` tried again with the others. Null when no worker is left.
   */
  private async steady<T>(step: number, op: () => Promise<T>): Promise<T | null> {
    for (;;) {
      if (this.membership.members.length === 0) return null;
      try {
        return await op();
      } catch (error) {
        if (!(error instanceof MembershipChangedError)) throw error;
        await this.race(this.changes.settle(step));
      }
    }
  }

  /** The end of the steps: a last check, the final state and checkpoint, STOP to all. */
  private async finish(step: number, lastCheck: { step: number; hash: string } | null): Promise<CoordinatorResult> {
    const finalHash = lastCheck?.step === step ? lastCheck.hash : await this.steady(step, () => verifyReplicas(this, this.parts.model, step));
    const final = await this.steady(step, () => this.outputs.fullSnapshot(step));
    const checkpoint = this.o.runDir && final ? await this.outputs.saveCheckpoint(step, final) : null;
    if (this.o.runDir && final) await this.steady(step, () => this.outputs.samples(step, false));
    // Too many skipped steps, too many workers lost or too few left stop the run as a stop does:
    // final checkpoint, workers told, one sentence.
    const members = this.changes.stopReason;
    const poisoned = this.skips.stopError(step, checkpoint) ?? (members === null ? null : new MembershipStopError(`${members}, so the run stopped after ${step} steps with ${checkpoint === null ? (final ? 'no checkpoint (no run directory)' : 'no final checkpoint (no worker was left to take it from; --resume continues from the last one)') : `its checkpoint ${checkpoint}`}.`));
    const stopped = poisoned?.message ?? this.stopReason;
    await this.stopAll(stopped === null ? `finished ${step} steps` : `stopped: ${stopped}`, false);
    if (stopped !== null) this.log.info('run stopped', { steps: step, reason: stopped, checkpoint });
    if (poisoned) throw poisoned;
    if (stopped !== null) throw new RunStoppedError(`the run was stopped after ${step} steps (${stopped}); its last checkpoint is ${checkpoint ?? 'not written (no run directory)'}.`);
    this.log.info('run finished', { steps: step, finalHash, checkpoint });
    return { run: this.run, steps: step, finalHash: finalHash!, checkpoint, finalState: unpackTensors(final!.entries, final!.data), droppedMessages: this.drops.count, dataPlane: this.plane!.name };
  }

  /** Picks the data plane (@dgm/plane's registry), sets the workers up for it, and opens its end. */
  private async setUpDataPlane(members: Member[]): Promise<void> {
    const setup = this.openPlane(members, false);
    if (setup) await this.race(Promise.all(members.map((m) => this.sendTo(m, setup, 'the data plane'))));
  }

  /**
   * Opens the plane's coordinator end and a step exchange for `members`; returns the setup every
   * member needs first (or null). `afterChange`: the members changed, and every worker dropped
   * back to the star plane (ABORT), which serves any members.
   */
  private openPlane(members: Member[], afterChange: boolean): Message | null {
    const drop = (m: Member, reason: string) => this.drop(`rank ${m.rank}`, reason);
    const plane = openDataPlane(afterChange ? 'star' : this.o.dataPlane, members, {
      run: this.run,
      gradSizes: this.parts.gradSizes,
      members: () => this.membership.members,
      send: (m, msg) => this.router.send(m.peer, msg),
      lost: (m, what, error) => this.faults.lost(m, new WorkerLostError(`could not send ${what} to rank ${m.rank} (pid ${m.pid} on ${m.host}): ${error.message}.`)),
      dropped: drop,
    }, { wire: this.o.wire });
    this.plane = plane;
    this.exchange = new StepExchange(this.run, () => this.membership.members, (m, msg) => this.router.send(m.peer, msg), this.o.stepTimeoutMs, drop, plane.end, this.faults);
    this.log.info(`data plane: ${plane.name}${afterChange ? ' (the members changed)' : ''}`, { workers: members.length, host: members[0]?.host });
    return plane.setup;
  }

  private async stopAll(reason: string, error: boolean): Promise<void> {
    const stop: Message = { type: 'STOP', run: this.run, reason, error };
    // Bounded: a dead peer's send fails at once, a stuck one times out (sendTimeout).
    await Promise.allSettled(this.membership.members.map((m) => this.router.send(m.peer, stop)));
  }
}

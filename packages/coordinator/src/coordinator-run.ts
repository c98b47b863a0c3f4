// A run once the coordinator is bound: admit N workers, broadcast the initial state, choose the
// data plane, drive the steps (slices from the epoch sampler), check replicas every K steps,
// write the run's outputs, and stop everyone cleanly. Messages are routed here: HELLO to
// admission, DONE to the step exchange, the data plane's kinds to its coordinator end.
import type { ReplicaModel } from '@dgm/core';
import type { Dataset, EpochSampler } from '@dgm/core/node';
import { planeOfKind, planeReceives } from '@dgm/plane';
import type { Message } from '@dgm/protocol';
import { DropLog, type Logger } from '@dgm/protocol/log';
import { broadcastInitialState } from './initial-state.js';
import { JoinTimeoutError, MembershipChangedError, RunStoppedError, WorkerFailedError, WorkerLostError } from './errors.js';
import { LivenessProbe } from './liveness.js';
import { Membership, type Member } from './membership.js';
import { MembershipChanges } from './membership-change.js';
import type { ResumePoint } from './checkpointing.js';
import type { ResolvedCoordinatorOptions } from './options.js';
import { SnapshotReplies } from './replies.js';
import { RunOutputs } from './run-outputs.js';
import type { RunPaths } from './run-directory.js';
import type { CoordinatorResult } from './run-result.js';
import type { RunServices } from './run-services.js';
import { SkippedSteps } from './skipped-steps.js';
import { RunPlane } from './run-plane.js';
import { finishRun } from './run-ending.js';
import { runSteps } from './step-loop.js';
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
  /** The data plane and the step exchange (reopened when an elastic run's members change). */
  private readonly planes: RunPlane;
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
    this.replies = new SnapshotReplies((m, msg) => this.router.send(m.peer, msg), o.stepTimeoutMs, (m, error) => this.unreachable(m, error.message.replace(/\.$/, ''), error));
    this.changes = new MembershipChanges(o, {
      run: o.run,
      log,
      membership: this.membership,
      replies: this.replies,
      sendTo: (m, msg, what) => this.sendTo(m, msg, what),
      abortStep: (error) => this.planes.exchange?.abort(error),
      reopen: (members) => this.planes.open(members, true),
      address: () => this.address,
    }, resumed.membership);
    this.planes = new RunPlane({ o, gradSizes: parts.gradSizes, membership: this.membership, router, log, changes: () => this.changes, drop: (from, reason) => this.drop(from, reason) });
    this.liveness = new LivenessProbe(o.run, router, () => [...this.membership.members, ...this.changes.waiting], (m, why) => this.lost(m, why));
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
      const active = this.planes.plane;
      if (!active || !planeReceives(active.name, m.type)) return this.drop(`rank ${member.rank}`, `${m.type} is a message of the ${plane.name} plane, and this run averages through ${active?.name ?? 'no plane yet'}`);
      return active.end.onMessage(member, m);
    }
    switch (m.type) {
      case 'DONE':
        if (!this.planes.exchange) return this.drop(`rank ${member.rank}`, `DONE for step ${m.step} while no step is running`);
        return this.planes.exchange.onDone(member, m);
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

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.planes.exchange?.abort(error);
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
      const why = (error as Error).message;
      throw this.unreachable(m, `could not send ${what} (${why})`, new WorkerLostError(`could not send ${what} to worker rank ${m.rank} (pid ${m.pid} on ${m.host}): ${why}.`));
    }
  }

  /** `m` cannot be reached (`cause`): an elastic run (once running) drops it, and the waiting side ends with the MembershipChangedError returned; any other run stops with `error`. */
  private unreachable(m: Member, cause: string, error: Error): Error {
    return this.changes.elastic && this.running ? this.changes.dropped(m, cause) : error;
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
        // The data plane (@dgm/plane's registry picks it) and its setup to every worker.
        const setup = this.planes.open(members, false);
        if (setup) await this.race(Promise.all(members.map((m) => this.sendTo(m, setup, 'the data plane'))));
      } catch (error) {
        // A worker lost here (elastic runs): the first settle below drops it and sets up the star.
        if (!(error instanceof MembershipChangedError)) throw error;
      }
      const loop = { s: this, o: this.o, parts: this.parts, sampler: this.sampler, outputs: this.outputs, skips: this.skips, changes: this.changes, planes: this.planes, stopAsked: () => this.stopReason !== null };
      const { step, lastCheck } = await runSteps(loop, this.startStep);
      return await finishRun({ ...loop, drops: this.drops.count, stopReason: this.stopReason, stopAll: (reason, error) => this.stopAll(reason, error) }, step, lastCheck);
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

  private async stopAll(reason: string, error: boolean): Promise<void> {
    const stop: Message = { type: 'STOP', run: this.run, reason, error };
    // Bounded: a dead peer's send fails at once, a stuck one times out (sendTimeout).
    await Promise.allSettled([...this.membership.members, ...this.changes.waiting].map((m) => this.router.send(m.peer, stop)));
  }
}

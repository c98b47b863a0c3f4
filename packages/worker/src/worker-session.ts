// One worker's life after its backend is up: handshake, then the coordinator's messages until
// STOP. This file is the switchboard: messages that need the replica (STATE, STEP,
// SNAPSHOT_REQUEST) and the handshake's run one after another on a queue (work-queue.ts); the
// data planes' messages go to @dgm/plane's WorkerPlanes (a setup queued, the rest at once, to the
// waiting reducer); STOP and link failures end the run at once. Every wait has a bound.
import { tf } from '@dgm/core';
import { disposeReplicaModel } from '@dgm/core';
import { OutOfTurnError, WorkerPlanes } from '@dgm/plane';
import { BoundedWait, type Message, type RunConfig, type WelcomeMessage } from '@dgm/protocol';
import { DropLog, type Logger } from '@dgm/protocol/log';
import { CoordinatorLink } from './coordinator-link.js';
import { CoordinatorGoneError, RejectedError, StepFailedError } from './errors.js';
import { GradientWatch, testKillOf, testPoisonOf, testStallOf } from './gradient-watch.js';
import { Handshake } from './handshake.js';
import type { ResolvedWorkerOptions } from './options.js';
import { Replica } from './replica.js';
import { StepAborts } from './step-abort.js';
import { StepWork } from './step-work.js';
import { WorkQueue } from './work-queue.js';

/** How a worker's run ended (when it ended by a STOP; other endings reject). */
export interface WorkerResult {
  rank: number;
  run: string;
  /** Steps this worker computed. */
  steps: number;
  /** The coordinator's reason in STOP. */
  stopReason: string;
  /** Whether the coordinator stopped the run because of an error. */
  stoppedByError: boolean;
  /** Received messages dropped by validation. */
  invalidMessages: number;
  backend: string;
  device: string;
}

/** How long ZeroMQ may still try to deliver FAILED after the worker closes its socket. */
const LAST_WORD_FLUSH_MS = 1000;

export class WorkerSession {
  private readonly link: CoordinatorLink;
  private readonly planes = new WorkerPlanes();
  /** The Trainer's reducer: every gradient passes it on the way to the planes. */
  private readonly watch: GradientWatch;
  private readonly handshake: Handshake;
  private readonly work: StepWork;
  private replica: Promise<Replica> | null = null;
  private run: string;
  private rank = -1;
  private readonly queue = new WorkQueue(() => this.ended, (error) => this.fail(error, true), (what, reason) => this.noteDrop(what, reason));
  /** ABORT: the step in progress breaks off (the queue withdraws what came before it). */
  private readonly aborts: StepAborts;
  /** The wait for admission (WELCOME with a rank), bounded by the join timeout. */
  private join: BoundedWait<void> | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private ended = false;
  /** Messages that failed validation, and valid ones that made no sense now (wrong step, wrong direction). */
  private readonly invalidDrops = new DropLog((message, fields) => this.log.warn(message, fields), (n) => `dropped ${n} invalid messages so far`);
  private readonly drops = new DropLog((message, fields) => this.log.warn(message, fields), (n) => `dropped ${n} out-of-protocol messages so far`);
  /** The rank, world size and config it was admitted with, null before: rejoin.ts rejoins that run. */
  admission: { rank: number; worldSize: number; config: RunConfig } | null = null;
  /** Called once admitted (rejoin.ts says the worker rejoined). */
  onAdmitted: ((rank: number, worldSize: number) => void) | null = null;
  private resolveEnd!: (r: WorkerResult) => void;
  private rejectEnd!: (e: Error) => void;
  readonly ended$: Promise<WorkerResult>;

  constructor(
    private readonly o: ResolvedWorkerOptions,
    private readonly log: Logger,
    private readonly backend: string,
    private readonly device: string,
  ) {
    this.run = o.run;
    this.ended$ = new Promise((resolve, reject) => {
      this.resolveEnd = resolve;
      this.rejectEnd = reject;
    });
    // A session that fails while start() is still running ends through start()'s caller, who may
    // then never await ended$: its rejection must not count as unhandled (that kills the process).
    this.ended$.catch(() => undefined);
    this.link = new CoordinatorLink(o.connect, { heartbeatMs: o.heartbeatMs, timeoutMs: o.timeoutMs }, o.maxMessageBytes, {
      message: (m) => this.onMessage(m),
      invalid: (reason) => this.invalidDrops.note('dropped an invalid message from the coordinator', { reason }),
      gone: (error) => this.fail(error),
      refused: (error) => this.fail(error),
    }, o.curve);
    const send = (m: Message) => this.link.send(m);
    this.watch = new GradientWatch(this.planes, testPoisonOf(o.env), testKillOf(o.env), testStallOf(o.env));
    this.handshake = new Handshake(o.config, o.run, (m) => this.link.sendJoining(m), this.planes, this.watch, { backend, device, sharedMemory: o.sharedMemory, log, rank: o.rank, coordinator: o.connect, keyPair: o.curve?.keyPair ?? null, ringPorts: o.ringPorts });
    this.aborts = new StepAborts(this.watch, this.planes, log);
    this.work = new StepWork(() => this.run, send, this.planes, this.watch, log, (what, reason) => this.noteDrop(what, reason));
  }

  async start(): Promise<void> {
    this.link.start();
    this.join = new BoundedWait<void>(
      this.o.joinTimeoutMs,
      () =>
        new CoordinatorGoneError(
          this.link.handshakeFailures > 0
            ? `no answer from a coordinator at ${this.o.connect} within ${this.o.joinTimeoutMs} ms: its CURVE handshake failed ${this.link.handshakeFailures} times (is --server-key the coordinator's public key?)`
            : `no answer from a coordinator at ${this.o.connect} within ${this.o.joinTimeoutMs} ms (is it running, and is the address right?)`,
        ),
    );
    this.join.promise.catch((error: Error) => this.fail(error));
    try {
      await this.handshake.hello();
    } catch (error) {
      // Ends the session (and its link, whose late events would otherwise outlive the run);
      // ended$ carries the first cause: a refusal that closed the link beats the failed send.
      this.fail(error as Error);
    }
  }

  private onMessage(m: Message): void {
    if (this.ended) return;
    if (this.planes.owns(m)) {
      if (this.planes.isSetup(m)) return this.queue.pushWithdrawable(`${m.type} (plane setup)`, () => this.work.onPlaneSetup(m, this.rank >= 0));
      try {
        this.planes.deliver(m);
      } catch (error) {
        if (!(error instanceof OutOfTurnError)) throw error;
        this.noteDrop(`dropped a ${m.type} nobody waited for`, error.message);
      }
      return;
    }
    switch (m.type) {
      case 'WELCOME':
        return this.queue.push(() => this.onWelcome(m));
      case 'REJECT':
        return this.fail(new RejectedError(`the coordinator rejected this worker: ${m.reason}`));
      case 'STOP':
        return this.finish(m.reason, m.error);
      case 'HEARTBEAT':
        return;
      case 'ABORT': // an elastic run's members changed: see step-abort.ts
        if (this.rank < 0) return this.noteDrop('dropped an ABORT before admission', `step ${m.step}`);
        this.queue.withdrawAll();
        this.aborts.begin(m);
        return this.queue.push(async () => {
          this.aborts.end(); // nothing of the broken step runs any more
          await this.work.onAbort(m);
        });
      case 'STEP':
        return this.queue.pushWithdrawable(`STEP of step ${m.step}`, () => this.onWork(m));
      case 'STATE':
      case 'SNAPSHOT_REQUEST':
        // Queued behind the WELCOME being processed (the coordinator sends STATE right after
        // the last worker is admitted): admission is judged when the task runs, not now.
        return this.queue.push(() => this.onWork(m));
      default:
        this.noteDrop('dropped a message coordinators do not send', m.type);
    }
  }

  /** Counts and logs (sparingly) a valid message that made no sense now. */
  private noteDrop(what: string, reason: string): void {
    this.drops.note(what, { reason });
  }

  private async onWelcome(m: WelcomeMessage): Promise<void> {
    if (this.rank >= 0) return; // a duplicate WELCOME changes nothing
    const admission = await this.handshake.onWelcome(m);
    if (!admission) return;
    this.join?.resolve();
    this.link.watch();
    this.admission = { rank: admission.rank, worldSize: admission.worldSize, config: admission.config };
    this.onAdmitted?.(admission.rank, admission.worldSize);
    this.rank = admission.rank;
    this.watch.rank = admission.rank;
    this.run = admission.run;
    // A ring neighbour's silence is waited for twice the heartbeat timeout: a host that is gone is
    // then named by the coordinator's liveness (which hears every worker), not blamed on whichever
    // neighbour happened to time out first further along the ring; the ring's own wait is the
    // backstop for a link broken between two workers that both still reach the coordinator.
    this.planes.admit({ run: admission.run, rank: admission.rank, worldSize: admission.worldSize, send: (msg) => this.link.send(msg), timeoutMs: this.o.reduceTimeoutMs, linkTimeoutMs: 2 * this.o.timeoutMs, dropped: (reason) => this.noteDrop('dropped a message from a peer worker', reason) });
    const { config, parts } = admission;
    this.link.setLimits({ run: m.run, gradSizes: parts.gradSizes, maxIndices: config.globalBatch });
    this.log.info('joined', { rank: m.rank, worldSize: m.worldSize, run: m.run, backend: this.backend, device: this.device });
    this.replica = Replica.create(parts, config);
    const replica = await this.replica;
    this.link.setLimits({ run: m.run, gradSizes: parts.gradSizes, maxIndices: config.globalBatch, indexBound: replica.dataset.train.count });
    this.heartbeat = setInterval(() => {
      if (!this.work.busy && !this.ended) this.link.send({ type: 'HEARTBEAT', run: this.run }).catch(() => undefined);
    }, this.o.heartbeatMs);
  }

  private async onWork(m: Message): Promise<void> {
    if (this.rank < 0 || this.replica === null) return this.noteDrop('dropped a message sent before admission', m.type);
    const replica = await this.replica;
    if (m.type === 'STATE') await this.work.onState(replica, m);
    else if (m.type === 'STEP') await this.work.onStep(replica, m);
    else if (m.type === 'SNAPSHOT_REQUEST') await this.work.onSnapshot(replica, m);
  }

  private finish(reason: string, error: boolean): void {
    if (this.ended) return;
    this.log.info('stopped by the coordinator', {
      reason,
      error,
      steps: this.work.steps,
      invalidMessages: this.link.invalidCount,
      droppedMessages: this.drops.count,
      tensorsAfterFirstStep: this.work.tensorsAfterFirstStep,
      tensorsNow: tf.memory().numTensors,
    });
    this.end();
    this.resolveEnd({
      rank: this.rank,
      run: this.run,
      steps: this.work.steps,
      stopReason: reason,
      stoppedByError: error,
      invalidMessages: this.link.invalidCount,
      backend: this.backend,
      device: this.device,
    });
  }

  /**
   * Ends this worker with `error`. With `tell`, an admitted worker first says FAILED with the
   * reason (unless the coordinator knows already: it is gone, or DONE carried a step's error),
   * so the run stops with that sentence at once rather than when this worker counts as gone.
   */
  private fail(error: Error, tell = false): void {
    if (this.ended) return;
    this.log.error(error.message, { error: error.name });
    const telling = tell && this.rank >= 0 && !(error instanceof CoordinatorGoneError) && !(error instanceof StepFailedError);
    if (telling) this.link.send({ type: 'FAILED', run: this.run, reason: error.message }).catch(() => undefined);
    this.end(telling ? LAST_WORD_FLUSH_MS : 0);
    this.rejectEnd(error);
  }

  private end(flushMs = 0): void {
    this.ended = true;
    this.join?.resolve(); // no longer waited for
    clearInterval(this.heartbeat);
    this.planes.fail(new CoordinatorGoneError('the run ended while gradients were being averaged'));
    this.planes.close();
    this.link.close(flushMs);
  }

  /** Steps this session computed. */
  get steps(): number {
    return this.work.steps;
  }

  /** Frees the replica once nothing uses it any more (the queue has drained). */
  async dispose(): Promise<void> {
    await this.queue.drained();
    if (this.replica) (await this.replica.catch(() => null))?.dispose();
    else if (this.handshake.parts) disposeReplicaModel(this.handshake.parts);
  }
}

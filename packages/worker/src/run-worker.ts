// One worker's life: backend, handshake, state, steps until STOP. Messages that need the replica
// (STATE, STEP, SNAPSHOT_REQUEST) run one after another on a queue; REDUCED goes straight to the
// waiting reducer, STOP and link failures end the run at once. Every wait has a bound.
import { hostname } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { buildReplicaModel, disposeReplicaModel, initBackend, type ReplicaModel } from '@dgm/core';
import { checkRunConfig, configHash, type Message, type PlaneMessage, type RunConfig, type WelcomeMessage } from '@dgm/protocol';
import type { Logger } from 'winston';
import { CoordinatorLink } from './coordinator-link.js';
import { describeDevice } from './device.js';
import { CoordinatorGoneError, RejectedError, StepFailedError, WorkerOptionsError } from './errors.js';
import { closeLogger, createWorkerLogger } from './logger.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { RemoteReducer } from './remote-reducer.js';
import { Replica } from './replica.js';
import { isSegmentPath, OwnSegment, PeerSegment, segmentLayout, sharedMemoryId, type SegmentLayout } from './shared-memory/segment.js';
import { SharedMemoryReducer } from './shared-memory/shared-reducer.js';

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

class WorkerSession {
  private readonly link: CoordinatorLink;
  private parts: ReplicaModel | null = null;
  private replica: Promise<Replica> | null = null;
  private reducer: RemoteReducer;
  /** Set by PLANE: gradients are averaged through the workers' shared-memory segments. */
  private shared: SharedMemoryReducer | null = null;
  /** This worker's segment, offered in HELLO; null when there is no shared memory to use. */
  private segment: { own: OwnSegment; layout: SegmentLayout; id: string } | null = null;
  private segmentTried = false;
  /** The data plane is settled once the first STEP arrived: a later PLANE is out of protocol. */
  private planeSettled = false;
  private worldSize = 0;
  private config: RunConfig | null;
  private run: string;
  private rank = -1;
  private steps = 0;
  private tensorsAfterFirstStep: number | null = null;
  /** The step the coordinator may ask for next; null until the first full STATE. */
  private nextStep: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private joinTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private busy = false;
  private ended = false;
  private resolveEnd!: (r: WorkerResult) => void;
  private rejectEnd!: (e: Error) => void;
  readonly ended$: Promise<WorkerResult>;

  constructor(
    private readonly o: ResolvedWorkerOptions,
    private readonly log: Logger,
    private readonly backend: string,
    private readonly device: string,
  ) {
    this.config = o.config;
    this.run = o.run;
    this.ended$ = new Promise((resolve, reject) => {
      this.resolveEnd = resolve;
      this.rejectEnd = reject;
    });
    this.link = new CoordinatorLink(o.connect, { heartbeatMs: o.heartbeatMs, timeoutMs: o.timeoutMs }, o.maxMessageBytes, {
      message: (m) => this.onMessage(m),
      invalid: (reason) => {
        // The first drops in full, then a count now and then: a flood must not flood the log.
        const n = this.link.invalidCount;
        if (n <= 20) this.log.warn('dropped an invalid message from the coordinator', { reason });
        else if (n % 1000 === 0) this.log.warn(`dropped ${n} invalid messages so far`, { last: reason });
      },
      gone: (error) => this.fail(error),
    });
    this.reducer = new RemoteReducer(this.run, (m) => this.link.send(m), o.reduceTimeoutMs);
  }

  async start(): Promise<void> {
    this.link.start();
    this.joinTimer = setTimeout(
      () => this.fail(new CoordinatorGoneError(`no answer from a coordinator at ${this.o.connect} within ${this.o.joinTimeoutMs} ms (is it running, and is the address right?)`)),
      this.o.joinTimeoutMs,
    );
    if (this.config) this.parts = this.build(this.config);
    await this.hello();
  }

  private build(config: RunConfig): ReplicaModel {
    return buildReplicaModel(config, { reduce: (phase, step, grads, n) => (this.shared ?? this.reducer).reduce(phase, step, grads, n) });
  }

  /** This worker's shared-memory segment (made once, when the model's gradient sizes are known). */
  private offerSegment(): void {
    if (this.segmentTried || !this.parts || !this.o.sharedMemory) return;
    this.segmentTried = true;
    const id = sharedMemoryId();
    const layout = segmentLayout(this.parts.gradSizes);
    const own = id === null ? null : OwnSegment.create(layout.bytes);
    if (own && id) this.segment = { own, layout, id };
    else this.log.info('no shared-memory segment offered; gradients travel through the coordinator', { dir: id === null ? 'none' : 'too full' });
  }

  private async hello(): Promise<void> {
    this.offerSegment();
    await this.link.send({
      type: 'HELLO',
      run: this.run,
      configHash: this.config ? configHash(this.config) : null,
      manifestHash: this.parts ? this.parts.manifestHash : null,
      backend: this.backend,
      device: this.device,
      pid: process.pid,
      host: hostname(),
      shmId: this.segment?.id ?? null,
      shmPath: this.segment?.own.path ?? null,
    });
  }

  private onMessage(m: Message): void {
    if (this.ended) return;
    switch (m.type) {
      case 'WELCOME':
        this.enqueue(() => this.onWelcome(m));
        return;
      case 'REJECT':
        this.fail(new RejectedError(`the coordinator rejected this worker: ${m.reason}`));
        return;
      case 'STOP':
        this.finish(m.reason, m.error);
        return;
      case 'REDUCED':
        try {
          this.reducer.deliver(m);
        } catch (error) {
          this.noteDrop('dropped a REDUCED nobody waited for', (error as Error).message);
        }
        return;
      case 'PROCEED':
        if (!this.shared) return this.noteDrop('dropped a PROCEED outside the shared-memory plane', `step ${m.step}`);
        try {
          this.shared.deliver(m);
        } catch (error) {
          this.noteDrop('dropped a PROCEED nobody waited for', (error as Error).message);
        }
        return;
      case 'HEARTBEAT':
        return;
      case 'PLANE':
        this.enqueue(() => this.onPlane(m));
        return;
      case 'STATE':
      case 'STEP':
      case 'SNAPSHOT_REQUEST':
        // Queued behind the WELCOME being processed (the coordinator sends STATE right after
        // the last worker is admitted): admission is judged when the task runs, not now.
        this.enqueue(() => this.onWork(m));
        return;
      default:
        this.noteDrop('dropped a message coordinators do not send', m.type);
    }
  }

  /** Valid messages that made no sense now (wrong step, wrong direction): counted, logged sparingly. */
  private dropped = 0;
  private noteDrop(what: string, reason: string): void {
    this.dropped++;
    if (this.dropped <= 20) this.log.warn(what, { reason });
    else if (this.dropped % 1000 === 0) this.log.warn(`dropped ${this.dropped} out-of-protocol messages so far`, { last: reason });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.ended) return;
      try {
        await task();
      } catch (error) {
        this.fail(error as Error, true);
      }
    });
  }

  private async onWelcome(m: WelcomeMessage): Promise<void> {
    if (this.rank >= 0) return; // a duplicate WELCOME changes nothing
    if (m.rank === null) {
      // The coordinator sent its config: build from it and present our manifest.
      const config = checkRunConfig(m.config);
      if (configHash(config) !== m.configHash) throw new RejectedError('the config in WELCOME does not match its own hash');
      this.config = config;
      this.parts = this.build(config);
      await this.hello();
      return;
    }
    clearTimeout(this.joinTimer);
    this.link.watch();
    this.rank = m.rank;
    this.worldSize = m.worldSize;
    this.run = m.run;
    this.reducer = new RemoteReducer(this.run, (msg) => this.link.send(msg), this.o.reduceTimeoutMs);
    const config = this.config!;
    this.link.setLimits({ run: m.run, gradSizes: this.parts!.gradSizes, maxIndices: config.globalBatch });
    this.log.info('joined', { rank: m.rank, worldSize: m.worldSize, run: m.run, backend: this.backend, device: this.device });
    this.replica = Replica.create(this.parts!, config);
    const replica = await this.replica;
    this.link.setLimits({ run: m.run, gradSizes: this.parts!.gradSizes, maxIndices: config.globalBatch, indexBound: replica.dataset.train.count });
    this.heartbeat = setInterval(() => {
      if (!this.busy && !this.ended) this.link.send({ type: 'HEARTBEAT', run: this.run }).catch(() => undefined);
    }, this.o.heartbeatMs);
  }

  /** Switches to the shared-memory plane: opens every peer's segment (a failure ends this worker). */
  private async onPlane(m: PlaneMessage): Promise<void> {
    if (this.rank < 0 || this.shared || this.planeSettled || this.nextStep === null) return this.noteDrop('dropped a PLANE out of turn', `rank ${this.rank}`);
    const seg = this.segment;
    if (!seg || m.segments.length !== this.worldSize || m.segments[this.rank] !== seg.own.path || !m.segments.every((path) => isSegmentPath(path))) {
      // Not the plane this worker offered for (no coordinator of this run sends that): dropped,
      // like any other message that makes no sense now.
      return this.noteDrop('dropped a PLANE that does not name this worker\'s segment, or names files that are not segments', `${m.segments.length} segments for ${this.worldSize} ranks`);
    }
    const peers: (PeerSegment | null)[] = [];
    try {
      m.segments.forEach((path, q) => peers.push(q === this.rank ? null : PeerSegment.open(path, seg.layout.bytes, q)));
    } catch (error) {
      peers.forEach((p) => p?.close());
      throw error;
    }
    this.shared = new SharedMemoryReducer(this.run, this.rank, seg.own, peers, seg.layout, (msg) => this.link.send(msg), this.o.reduceTimeoutMs);
    this.log.info('gradients are averaged through shared memory', { segments: m.segments.length });
  }

  private async onWork(m: Message): Promise<void> {
    if (this.rank < 0 || this.replica === null) {
      this.noteDrop('dropped a message sent before admission', m.type);
      return;
    }
    const replica = await this.replica;
    if (m.type === 'STATE') {
      await replica.load(m.scope, m.entries, m.data);
      if (m.scope === 'full') this.nextStep = m.step;
      this.log.debug('state loaded', { step: m.step, scope: m.scope });
    } else if (m.type === 'STEP') {
      // Steps come in order from the state's step on; anything else is not from a sane
      // coordinator (computing it would leave this worker waiting for an average never sent).
      if (m.step !== this.nextStep) {
        this.noteDrop('dropped a STEP out of order', `step ${m.step}, expected ${this.nextStep ?? 'a STATE first'}`);
        return;
      }
      this.nextStep = m.step + 1;
      this.planeSettled = true;
      // No PLANE before the first step: the star it is, and the segment's memory goes back.
      if (!this.shared && this.segment) {
        this.segment.own.close();
        this.segment = null;
      }
      this.busy = true;
      let error: string | null = null;
      let metrics = { losses: {} as Record<string, number>, sampleCount: m.indices.length, computeMs: 0, reduceMs: 0 };
      try {
        const started = performance.now();
        metrics = await replica.step(m.step, m.indices);
        // Local work is the whole step minus the wait for averages: it includes loading the
        // batch and drawing the noise, which the Trainer's own computeMs leaves out.
        metrics = { ...metrics, computeMs: performance.now() - started - metrics.reduceMs };
        this.steps++;
        // Live tensors after the first step and now: equal unless something leaks per step.
        this.tensorsAfterFirstStep ??= tf.memory().numTensors;
      } catch (e) {
        error = (e as Error).message;
      } finally {
        this.busy = false;
      }
      await this.link.send({ type: 'DONE', run: this.run, step: m.step, error, ...pick(metrics) });
      if (error !== null) throw new StepFailedError(`step ${m.step} failed: ${error}`);
    } else if (m.type === 'SNAPSHOT_REQUEST') {
      const snap = await replica.snapshot(m.scope);
      await this.link.send({ type: 'SNAPSHOT', run: this.run, step: m.step, scope: m.scope, ...snap });
    }
  }

  private finish(reason: string, error: boolean): void {
    if (this.ended) return;
    this.log.info('stopped by the coordinator', {
      reason,
      error,
      steps: this.steps,
      invalidMessages: this.link.invalidCount,
      droppedMessages: this.dropped,
      tensorsAfterFirstStep: this.tensorsAfterFirstStep,
      tensorsNow: tf.memory().numTensors,
    });
    this.end();
    this.resolveEnd({
      rank: this.rank,
      run: this.run,
      steps: this.steps,
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
    clearTimeout(this.joinTimer);
    clearInterval(this.heartbeat);
    const ended = new CoordinatorGoneError('the run ended while gradients were being averaged');
    this.reducer.fail(ended);
    this.shared?.fail(ended);
    this.shared?.close();
    this.segment?.own.close();
    this.link.close(flushMs);
  }

  /** Frees the replica once nothing uses it any more (the queue has drained). */
  async dispose(): Promise<void> {
    await this.queue;
    if (this.replica) (await this.replica.catch(() => null))?.dispose();
    else if (this.parts) disposeReplicaModel(this.parts);
  }
}

function pick(m: { losses: Record<string, number>; sampleCount: number; computeMs: number; reduceMs: number }) {
  return { losses: m.losses, sampleCount: m.sampleCount, computeMs: m.computeMs, reduceMs: m.reduceMs };
}

/**
 * Runs one data-parallel replica until the coordinator says STOP. Resolves with a summary;
 * rejects with WorkerOptionsError (bad options), RejectedError (the coordinator refused us) or
 * CoordinatorGoneError (unreachable, silent or disconnected beyond the timeout).
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const o = resolveWorkerOptions(options);
  const log = o.logger ?? createWorkerLogger({ file: o.logFile, label: 'worker' });
  try {
    const active = await initBackend(o.backend, { log: (msg) => log.info(msg), ...(o.loadModule ? { loadModule: o.loadModule } : {}) });
    const device = describeDevice(o.env, active);
    const session = new WorkerSession(o, log, active.backend, device);
    try {
      await session.start();
      return await session.ended$;
    } finally {
      await session.dispose();
    }
  } finally {
    if (!o.logger) await closeLogger(log);
  }
}

export { WorkerOptionsError };

// A distributed run, start to finish: bind, admit N workers, broadcast the initial state, drive
// the steps (slices from the epoch sampler, gradients averaged as they arrive), check replicas
// agree every K steps, write metrics, checkpoints and samples, and stop everyone cleanly.
//
// Liveness. A worker's JavaScript may be busy for seconds inside one step, so silence from it
// proves nothing. What does: ZeroMQ's own heartbeats (run by its I/O thread, even while
// JavaScript is busy) close the connection of a dead or frozen peer after the timeout, a killed
// process's socket closes at once, and with Router.mandatory a send to a peer whose connection
// is gone fails. So the coordinator sends every worker a HEARTBEAT every interval (and at once
// when a connection drops): a failed send means that worker is lost. A worker that is alive but
// never answers is caught by the step timeout.
//
// BatchNorm. Training uses per-replica batch statistics (like PyTorch DDP without SyncBatchNorm),
// so each replica's moving mean/variance drift apart between checks. At every check (every
// `checkEvery` steps and at the end) rank 0's moving statistics are sent to all the others
// before the weight hashes are compared, and checkpoints are taken from rank 0: what is saved
// and what every replica holds after a check is one consistent set (DDP broadcasts rank 0's
// buffers in the same spirit).
import { join } from 'node:path';
import { buildReplicaModel, captureState, disposeOptimizerState, disposeReplicaModel, hasMovingStatistics, initBackend, LocalReducer, restoreState, type ReplicaModel } from '@dgm/core';
import { EpochSampler, loadDataset, type Dataset } from '@dgm/core/node';
import { configHash, elementCount, packTensors, unpackTensors, type Message, type NamedValues, type SnapshotMessage } from '@dgm/protocol';
import type { Logger } from 'winston';
import { resumeFrom, saveSnapshotCheckpoint } from './checkpointing.js';
import { CoordinatorOptionsError, JoinTimeoutError, ReplicaMismatchError, RunStoppedError, WorkerFailedError, WorkerLostError } from './errors.js';
import { closeLogger, createCoordinatorLogger } from './logger.js';
import { Membership, type Member } from './membership.js';
import { resolveCoordinatorOptions, type CoordinatorOptions, type ResolvedCoordinatorOptions, type StepRecord } from './options.js';
import { SnapshotReplies } from './replies.js';
import { MetricsLog, prepareRunDirectory, runPaths, sampleFileName, type RunPaths } from './run-directory.js';
import { writeModelSamples } from './sample-grids.js';
import { StepExchange } from './step-exchange.js';
import { WorkerRouter, type Peer } from './worker-router.js';

/** How a run ended successfully. */
export interface CoordinatorResult {
  run: string;
  /** Steps completed in total (including those before a resume). */
  steps: number;
  /** Weights hash every replica agreed on at the end. */
  finalHash: string;
  /** Directory of the final checkpoint, when there is a run directory. */
  checkpoint: string | null;
  /** Rank 0's state after the last step: every weight (w/<sub-model>/<name>) and optimizer slot (o/<phase>/<slot>). */
  finalState: NamedValues[];
  /** Messages dropped as invalid (failed validation, unknown sender, out of protocol). */
  droppedMessages: number;
  /** Where gradients were averaged: through the coordinator, or the workers' shared memory. */
  dataPlane: 'star' | 'shared';
}

/** A started coordinator: where workers connect, and the run's outcome. */
export interface CoordinatorHandle {
  /** The bound endpoint (with the real port when `bind` used port *). */
  readonly address: string;
  readonly run: string;
  /** Resolves when the run finished and everything is flushed; rejects with why it failed. */
  readonly done: Promise<CoordinatorResult>;
  /** Asks for a clean stop after the current step (checkpoint, STOP to all); `done` then rejects with RunStoppedError. */
  stop(reason?: string): void;
}

const LOGGED_DROPS = 20;

class CoordinatorRun {
  readonly membership: Membership;
  private readonly exchange: StepExchange;
  private readonly replies: SnapshotReplies;
  private readonly abort: Promise<never>;
  private rejectAbort!: (e: Error) => void;
  private failure: Error | null = null;
  private stopReason: string | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private probing = new Set<number>();
  private dropped = 0;
  private readonly metrics: MetricsLog | null;
  private readonly run: string;

  constructor(
    private readonly o: ResolvedCoordinatorOptions,
    private readonly log: Logger,
    private readonly router: WorkerRouter,
    private readonly parts: ReplicaModel,
    private readonly dataset: Dataset,
    private readonly sampler: EpochSampler,
    private readonly hash: string,
    private readonly paths: RunPaths | null,
    private readonly startStep: number,
  ) {
    this.run = o.run;
    this.abort = new Promise<never>((_, reject) => {
      this.rejectAbort = reject;
    });
    this.abort.catch(() => undefined); // observed by whoever races it
    this.membership = new Membership({
      run: o.run,
      config: o.config,
      configHash: hash,
      manifestHash: parts.manifestHash,
      worldSize: o.workers,
      heartbeatMs: o.heartbeatMs,
      timeoutMs: o.timeoutMs,
    });
    const send = (m: Member, msg: Message) => this.router.send(m.peer, msg);
    this.exchange = new StepExchange(o.run, parts.gradSizes, () => this.membership.members, send, o.stepTimeoutMs, (m, reason) => this.drop(`rank ${m.rank}`, reason));
    this.replies = new SnapshotReplies(send, o.stepTimeoutMs);
    this.metrics = paths ? new MetricsLog(paths.metrics) : null;
  }

  onMessage(peer: Peer, m: Message): void {
    if (m.type === 'HELLO') {
      const { reply, member } = this.membership.admit(peer, m);
      if (member) this.log.info('worker joined', { rank: member.rank, pid: member.pid, host: member.host, backend: member.backend, device: member.device });
      else if (reply.type === 'REJECT') this.log.warn('worker rejected', { pid: m.pid, host: m.host, reason: reply.reason });
      this.router.send(peer, reply).catch((error: Error) => this.log.warn('could not answer a HELLO', { reason: error.message }));
      return;
    }
    const member = this.membership.get(peer);
    if (!member) return this.drop(`peer ${peer.key.slice(0, 12)}`, `${m.type} from a peer that has not joined`);
    if (m.run !== this.run) return this.drop(`rank ${member.rank}`, `${m.type} names run '${m.run}'`);
    member.lastHeard = Date.now();
    switch (m.type) {
      case 'GRADS':
        return this.exchange.onGrads(member, m);
      case 'WRITTEN':
        return this.exchange.onWritten(member, m);
      case 'DONE':
        return this.exchange.onDone(member, m);
      case 'SNAPSHOT':
        if (!this.replies.deliver(member, m)) this.drop(`rank ${member.rank}`, `a ${m.scope} SNAPSHOT of step ${m.step} nobody asked for`);
        return;
      case 'HEARTBEAT':
        return;
      case 'FAILED':
        // Before the run starts too: a worker that cannot load its data would fail again if
        // restarted, and its reason says more than the join timeout would.
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

  /** Logs a dropped message (the first ones in full, then a count now and then: a flood must not flood the log). */
  private drop(from: string, reason: string): void {
    this.dropped++;
    if (this.dropped <= LOGGED_DROPS) this.log.warn('dropped a message', { from, reason });
    else if (this.dropped % 1000 === 0) this.log.warn(`dropped ${this.dropped} messages so far`, { last: { from, reason } });
  }

  get droppedCount(): number {
    return this.dropped;
  }

  /** Sends HEARTBEAT to every member; a failed send means the member is gone. */
  probe(): void {
    for (const m of this.membership.members) {
      if (this.probing.has(m.rank)) continue; // a send to it is still pending
      this.probing.add(m.rank);
      this.router
        .send(m.peer, { type: 'HEARTBEAT', run: this.run })
        .then(() => this.probing.delete(m.rank))
        .catch((error: Error) => {
          this.probing.delete(m.rank);
          this.lost(m, error.message);
        });
    }
  }

  private lost(m: Member, why: string): void {
    if (this.failure) return;
    if (!this.running) {
      this.membership.remove(m);
      this.log.warn('a worker left before the run started; its rank is free again', { rank: m.rank, pid: m.pid, reason: why });
      return;
    }
    this.fail(new WorkerLostError(`worker rank ${m.rank} (pid ${m.pid} on ${m.host}) is gone (${why}); the run stops.`));
  }

  private running = false;
  private dataPlane: 'star' | 'shared' = 'star';

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.exchange.abort(error);
    this.replies.failAll(error);
    this.rejectAbort(error);
  }

  requestStop(reason: string): void {
    this.stopReason ??= reason;
    if (!this.running) this.fail(new RunStoppedError(`the run was stopped before it started: ${reason}`));
  }

  private race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.abort]);
  }

  async execute(): Promise<CoordinatorResult> {
    this.heartbeat = setInterval(() => this.probe(), this.o.heartbeatMs);
    try {
      await this.membership.waitFull(
        this.o.joinTimeoutMs,
        (joined) => new JoinTimeoutError(`only ${joined} of ${this.o.workers} workers joined within ${this.o.joinTimeoutMs} ms; start the missing workers with --connect pointing at this coordinator, or lower the worker count.`),
        this.abort,
      );
      this.membership.close();
      this.running = true;
      const members = this.membership.members;
      this.log.info('all workers joined; run starts', { workers: members.length, startStep: this.startStep, steps: this.o.config.steps });
      await this.broadcastInitialState(members);
      await this.chooseDataPlane(members);
      let step = this.startStep;
      let lastCheck: { step: number; hash: string } | null = null;
      while (step < this.o.config.steps && this.stopReason === null) {
        await this.runStep(step);
        step++;
        const last = step === this.o.config.steps;
        if (this.o.checkEvery > 0 && step % this.o.checkEvery === 0 && !last) lastCheck = { step, hash: await this.verifyReplicas(step) };
        if (this.o.checkpointEvery > 0 && step % this.o.checkpointEvery === 0 && !last) await this.checkpoint(step);
        if (this.o.sampleEvery > 0 && step % this.o.sampleEvery === 0 && !last) await this.samples(step);
      }
      const finalHash = lastCheck?.step === step ? lastCheck.hash : await this.verifyReplicas(step);
      const final = await this.race(this.replies.request(members[0], { type: 'SNAPSHOT_REQUEST', run: this.run, step, scope: 'full' }));
      const checkpoint = this.paths ? await this.saveCheckpoint(step, final) : null;
      if (this.paths) await this.samples(step, false);
      const stopped = this.stopReason;
      await this.stopAll(stopped === null ? `finished ${step} steps` : `stopped: ${stopped}`, false);
      if (stopped !== null) throw new RunStoppedError(`the run was stopped after ${step} steps (${stopped}); its last checkpoint is ${checkpoint ?? 'not written (no run directory)'}.`);
      this.log.info('run finished', { steps: step, finalHash, checkpoint });
      return {
        run: this.run,
        steps: step,
        finalHash,
        checkpoint,
        finalState: unpackTensors(final.entries, final.data),
        droppedMessages: this.dropped,
        dataPlane: this.dataPlane,
      };
    } catch (error) {
      const e = error as Error;
      if (!(e instanceof RunStoppedError && this.failure === null)) {
        this.log.error(e.message, { error: e.name });
        await this.stopAll(e.message, true);
      }
      throw e;
    } finally {
      clearInterval(this.heartbeat);
      this.router.close(Math.min(1000, this.o.timeoutMs));
      await this.metrics?.close();
    }
  }

  private async broadcastInitialState(members: Member[]): Promise<void> {
    const optimizer = await this.parts.trainer.getOptimizerState();
    try {
      const { entries, data } = packTensors(await captureState(this.parts.model, 'full', optimizer));
      const state: Message = { type: 'STATE', run: this.run, step: this.startStep, scope: 'full', entries, data };
      await this.race(Promise.all(members.map((m) => this.sendTo(m, state, 'the initial state'))));
    } finally {
      disposeOptimizerState(optimizer);
    }
  }

  /**
   * Shared memory when every worker offers a segment on one shared-memory filesystem (and there
   * are two or more), else the star; 'shared' insists, 'star' never tries.
   */
  private async chooseDataPlane(members: Member[]): Promise<void> {
    const choice = this.o.dataPlane;
    const ids = new Set(members.map((m) => m.shm?.id ?? null));
    const possible = members.length >= 2 && !ids.has(null) && ids.size === 1;
    if (choice === 'shared' && !possible) {
      const without = members.filter((m) => m.shm === null).map((m) => `rank ${m.rank} (${m.host})`);
      throw new CoordinatorOptionsError(
        without.length > 0
            ? `data plane 'shared' needs a shared-memory segment from every worker, and ${without.join(', ')} offered none (no writable /dev/shm with room for it, or started with --no-shared-memory); use 'auto' or 'star'.`
            : `data plane 'shared' needs every worker on one shared-memory filesystem, and these workers see ${ids.size} different ones (other hosts or containers); use 'auto' or 'star'.`,
      );
    }
    if (choice === 'star' || !possible) {
      this.log.info('data plane: star (gradients are averaged by the coordinator)', { workers: members.length });
      return;
    }
    const segments = members.map((m) => m.shm!.path);
    await this.race(Promise.all(members.map((m) => this.sendTo(m, { type: 'PLANE', run: this.run, segments }, 'the data plane'))));
    this.exchange.useSharedPlane();
    this.dataPlane = 'shared';
    this.log.info('data plane: shared memory (workers reduce through their segments)', { workers: members.length, host: members[0].host });
  }

  /** Sends to a member; a failure means the member is gone, said in a sentence naming it. */
  private async sendTo(m: Member, message: Message, what: string): Promise<void> {
    try {
      await this.router.send(m.peer, message);
    } catch (error) {
      throw new WorkerLostError(`could not send ${what} to worker rank ${m.rank} (pid ${m.pid} on ${m.host}): ${(error as Error).message}.`);
    }
  }

  private async runStep(step: number): Promise<void> {
    const started = performance.now();
    const cursor = this.sampler.cursorAt(step);
    const members = this.membership.members;
    const slices = members.map((m) => this.sampler.slice(cursor.epoch, cursor.step, m.rank, members.length));
    const outcome = await this.race(this.exchange.run(step, cursor.epoch, slices));
    const stepMs = performance.now() - started;
    const samples = outcome.done.reduce((a, d) => a + d.sampleCount, 0);
    const losses: Record<string, number> = {};
    for (const d of outcome.done) for (const [k, v] of Object.entries(d.losses)) losses[k] = (losses[k] ?? 0) + (v * d.sampleCount) / samples;
    const computeMs = Math.max(...outcome.done.map((d) => d.computeMs));
    const record: StepRecord = {
      step: step + 1,
      epoch: cursor.epoch,
      time: new Date().toISOString(),
      losses,
      samples,
      samplesPerSec: samples / (stepMs / 1000),
      stepMs,
      computeMs,
      commMs: Math.max(0, stepMs - computeMs),
      reduceMs: Math.max(...outcome.done.map((d) => d.reduceMs)),
      workers: members.length,
    };
    this.metrics?.write(record);
    this.o.onStep?.(record);
  }

  /** Syncs moving statistics from rank 0, then compares every replica's weights hash. */
  private async verifyReplicas(step: number): Promise<string> {
    const members = this.membership.members;
    if (members.length > 1 && hasMovingStatistics(this.parts.model)) {
      const stats = await this.race(this.replies.request(members[0], { type: 'SNAPSHOT_REQUEST', run: this.run, step, scope: 'stats' }));
      const state: Message = { type: 'STATE', run: this.run, step, scope: 'stats', entries: stats.entries, data: stats.data };
      await this.race(Promise.all(members.slice(1).map((m) => this.sendTo(m, state, 'the moving statistics'))));
    }
    const answers = await this.race(Promise.all(members.map((m) => this.replies.request(m, { type: 'SNAPSHOT_REQUEST', run: this.run, step, scope: 'hash' }))));
    const reference = answers[0].hash;
    const differing = members.filter((_, i) => answers[i].hash !== reference);
    if (differing.length > 0) {
      const detail = members.map((m, i) => `rank ${m.rank} has ${answers[i].hash}`).join(', ');
      throw new ReplicaMismatchError(`replicas disagree after step ${step}: ${detail}; ranks ${differing.map((m) => m.rank).join(', ')} differ from rank 0.`);
    }
    this.log.info('replicas agree', { step, hash: reference });
    return reference;
  }

  private async checkpoint(step: number): Promise<void> {
    if (!this.paths) return;
    const snap = await this.race(this.replies.request(this.membership.members[0], { type: 'SNAPSHOT_REQUEST', run: this.run, step, scope: 'full' }));
    await this.saveCheckpoint(step, snap);
  }

  private async saveCheckpoint(step: number, snap: SnapshotMessage): Promise<string> {
    const saved = await this.race(
      saveSnapshotCheckpoint(this.paths!.checkpoints, this.parts, snap, { step, sampler: this.sampler, config: this.o.config, configHash: this.hash, keep: this.o.keepCheckpoints }),
    );
    this.log.info('checkpoint saved', { step, dir: saved.dir, bytes: saved.bytes });
    return saved.dir;
  }

  /** Writes a sample grid; with `fetch`, first loads rank 0's current weights into the coordinator's model. */
  private async samples(step: number, fetch = true): Promise<void> {
    if (!this.paths) return;
    if (fetch) {
      const snap = await this.race(this.replies.request(this.membership.members[0], { type: 'SNAPSHOT_REQUEST', run: this.run, step, scope: 'full' }));
      disposeOptimizerState(restoreStateOf(this.parts, snap));
    }
    await writeModelSamples(join(this.paths.samples, sampleFileName(step)), this.parts.model, this.o.config.seed, this.dataset);
  }

  private async stopAll(reason: string, error: boolean): Promise<void> {
    const stop: Message = { type: 'STOP', run: this.run, reason, error };
    // Bounded: a dead peer's send fails at once, a stuck one times out (sendTimeout).
    await Promise.allSettled(this.membership.members.map((m) => this.router.send(m.peer, stop)));
  }
}

function restoreStateOf(parts: ReplicaModel, snap: SnapshotMessage) {
  return restoreState(parts.model, 'full', unpackTensors(snap.entries, snap.data));
}

/** Largest message a worker may send: a full snapshot (weights + 2 Adam slots + counters), with room to spare. */
function maxMessageBytes(parts: ReplicaModel): number {
  let weights = 0;
  for (const m of Object.values(parts.model.subModels())) for (const w of m.weights) weights += elementCount(w.shape as number[]);
  return Math.max(1 << 20, weights * 4 * 4 + (1 << 20));
}

/**
 * Starts a coordinator: checks options, builds the model and loads the data (errors here reject:
 * bad options, model, data or checkpoint), binds, and returns at once; the run proceeds as
 * workers join, and `done` tells how it ended.
 */
export async function startCoordinator(options: CoordinatorOptions): Promise<CoordinatorHandle> {
  const o = resolveCoordinatorOptions(options);
  const paths = o.runDir ? runPaths(o.runDir) : null;
  const hash = configHash(o.config);
  // Everything that can be wrong with the config or the data is found before the run directory
  // is touched: a bad run writes nothing. Lines logged until then are kept for the log file.
  const early: string[] = [];
  let log: Logger | null = o.logger ?? null;
  const note = (msg: string) => (log ? log.info(msg) : early.push(msg));
  let parts: ReplicaModel | null = null;
  let run: CoordinatorRun;
  let router: WorkerRouter;
  let address: string;
  try {
    const backend = await initBackend(o.backend, { log: note });
    parts = buildReplicaModel(o.config, new LocalReducer());
    const dataset = await loadDataset(o.config.data, { seed: o.config.seed });
    if (dataset.imageShape.join('x') !== parts.model.imageShape.join('x')) {
      throw new CoordinatorOptionsError(
        `dataset '${o.config.data}' has images of shape [${dataset.imageShape.join(', ')}] but model ${o.config.model} expects [${parts.model.imageShape.join(', ')}]; set the model's imageShape option to match.`,
      );
    }
    const sampler = new EpochSampler({ count: dataset.train.count, globalBatch: o.config.globalBatch, seed: o.config.seed });
    if (paths) await prepareRunDirectory(paths, o.config, hash);
    log ??= createCoordinatorLogger({ file: paths ? join(paths.logs, 'coordinator.log') : undefined });
    for (const line of early) log.info(line);
    log.info('coordinator starting', { run: o.run, workers: o.workers, backend: backend.backend, config: o.config, configHash: hash });
    const startStep = o.resume && paths ? await resumeFrom(paths.root, parts, o.config, note) : 0;
    const p = parts;
    router = new WorkerRouter({ heartbeatMs: o.heartbeatMs, timeoutMs: o.timeoutMs }, maxMessageBytes(parts), {
      message: (peer, m) => run.onMessage(peer, m),
      invalid: (peer, reason, detail) => run.onInvalid(peer, reason, detail),
      disconnect: () => run.probe(),
    });
    router.setLimits({ gradSizes: parts.gradSizes, maxIndices: o.config.globalBatch, maxStateBytes: maxMessageBytes(parts) });
    run = new CoordinatorRun(o, log, router, p, dataset, sampler, hash, paths, startStep);
    address = await router.bind(o.bind);
    log.info('listening', { address });
  } catch (error) {
    parts?.trainer.dispose();
    parts?.model.dispose();
    if (log && !o.logger) await closeLogger(log);
    throw error;
  }
  const closeLog = async () => {
    if (!o.logger) await closeLogger(log!);
  };
  const finalParts = parts;
  const done = run.execute().finally(async () => {
    finalParts.trainer.dispose();
    finalParts.model.dispose();
    await closeLog();
  });
  done.catch(() => undefined); // the caller observes `done`; never an unhandled rejection here
  return {
    address,
    run: o.run,
    done,
    stop: (reason = 'stop requested') => run.requestStop(reason),
  };
}

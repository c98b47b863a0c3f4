// Starting a coordinator: check the options, build the coordinator's own replica (for the
// initial state, checkpoints and samples) and load the data, before anything is written; then
// prepare the run directory, resume from its newest checkpoint if asked, bind, and hand the run
// to CoordinatorRun (coordinator-run.ts).
import { join } from 'node:path';
import { buildReplicaModel, disposeReplicaModel, initBackend, LocalReducer, type ReplicaModel } from '@dgm/core';
import { EpochSampler, loadDataset } from '@dgm/core/node';
import { configHash, elementCount } from '@dgm/protocol';
import { resumeFrom } from './checkpointing.js';
import { CoordinatorRun } from './coordinator-run.js';
import type { CoordinatorResult } from './run-result.js';
import { CoordinatorOptionsError } from './errors.js';
import { closeLogger, createDgmLogger, type Logger } from '@dgm/protocol/log';
import { resolveCoordinatorOptions, type CoordinatorOptions } from './options.js';
import { prepareRunDirectory, runPaths, truncateMetrics } from './run-directory.js';
import { WorkerRouter } from './worker-router.js';

export type { CoordinatorResult } from './run-result.js';

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

/** Largest message a worker may send: a full snapshot (weights + 2 Adam slots + counters), with room to spare. */
function maxMessageBytes(parts: ReplicaModel): number {
  let weights = 0;
  for (const m of Object.values(parts.model.subModels())) for (const w of m.weights) weights += elementCount(w.shape as number[]);
  return Math.max(1 << 20, weights * 4 * 4 + (1 << 20));
}

/** A conditional model needs a dataset with labels, all of them classes the model knows. */
function checkClasses(data: string, datasetClasses: number | undefined, modelClasses: number | null): void {
  if (modelClasses === null) return;
  if (datasetClasses === undefined) {
    throw new CoordinatorOptionsError(`dataset '${data}' has no labels, so a conditional model cannot train on it; train without conditional, or use a dataset with labels.`);
  }
  if (datasetClasses > modelClasses) {
    throw new CoordinatorOptionsError(`dataset '${data}' has ${datasetClasses} classes but the conditional model was built for ${modelClasses}; set the model option classes to ${datasetClasses}.`);
  }
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
  let address: string;
  try {
    const backend = await initBackend(o.backend, { log: note });
    parts = buildReplicaModel(o.config, new LocalReducer());
    const dataset = await loadDataset(o.config.data);
    if (dataset.imageShape.join('x') !== parts.model.imageShape.join('x')) {
      throw new CoordinatorOptionsError(
        `dataset '${o.config.data}' has images of shape [${dataset.imageShape.join(', ')}] but model ${o.config.model} expects [${parts.model.imageShape.join(', ')}]; set the model's imageShape option to match.`,
      );
    }
    checkClasses(o.config.data, dataset.numClasses, parts.model.classes ?? null);
    const sampler = new EpochSampler({ count: dataset.train.count, globalBatch: o.config.globalBatch, seed: o.config.seed });
    if (paths) await prepareRunDirectory(paths, o.config, hash);
    log ??= createDgmLogger({ process: 'coordinator', file: paths ? join(paths.logs, 'coordinator.log') : undefined });
    for (const line of early) log.info(line);
    log.info('coordinator starting', { run: o.run, workers: o.workers, backend: backend.backend, config: o.config, configHash: hash });
    const resumed = o.resume && paths ? await resumeFrom(paths.root, parts, o.config, note) : { step: 0, membership: [] };
    const startStep = resumed.step;
    if (o.resume && paths) {
      const dropped = await truncateMetrics(paths.metrics, startStep);
      if (dropped > 0) log.info(`metrics.jsonl: dropped ${dropped} lines of steps after ${startStep}, which this run trains again`);
    }
    const router = new WorkerRouter({ heartbeatMs: o.heartbeatMs, timeoutMs: o.timeoutMs }, maxMessageBytes(parts), {
      message: (peer, m) => run.onMessage(peer, m),
      invalid: (peer, reason, detail) => run.onInvalid(peer, reason, detail),
      disconnect: () => run.onDisconnect(),
      refused: (r) =>
        // The reason travels as a field: the CLI's echo appends it to the message.
        log!.warn(`refused a connection from ${r.address}${r.fingerprint ? ` (key ${r.fingerprint})` : ''}`, { address: r.address, key: r.fingerprint, reason: r.reason, repeatsHidden: r.repeats }),
    }, o.curve);
    router.setLimits({ gradSizes: parts.gradSizes, maxIndices: o.config.globalBatch, maxStateBytes: maxMessageBytes(parts) });
    run = new CoordinatorRun(o, log, router, parts, dataset, sampler, hash, paths, resumed);
    address = await router.bind(o.bind);
    run.address = address;
    log.info('listening', { address, curve: o.curve !== null, allowedKeys: o.curve?.allow.length ?? 0 });
  } catch (error) {
    if (parts) disposeReplicaModel(parts);
    if (log && !o.logger) await closeLogger(log);
    throw error;
  }
  const finalParts = parts;
  const done = run.execute().finally(async () => {
    disposeReplicaModel(finalParts);
    if (!o.logger) await closeLogger(log!);
  });
  done.catch(() => undefined); // the caller observes `done`; never an unhandled rejection here
  return {
    address,
    run: o.run,
    done,
    stop: (reason = 'stop requested') => run.requestStop(reason),
  };
}

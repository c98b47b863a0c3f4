// One replica on a worker: the model and Trainer built from the run config (core's
// buildReplicaModel), the dataset it reads its slices from, and the operations the coordinator
// asks of it (step, state in, snapshot out).
import type * as tf from '@tensorflow/tfjs';
import { captureState, disposeOptimizerState, disposeReplicaModel, restoreState, type ReplicaModel, type StepMetrics, type StepOptions } from '@dgm/core';
import { loadDataset, type Dataset } from '@dgm/core/node';
import { packTensors, unpackTensors, type RunConfig, type SnapshotScope, type StateScope, type TensorEntry } from '@dgm/protocol';

/** A replica of the run: model + Trainer + the local copy of the dataset. */
export class Replica {
  private constructor(
    readonly parts: ReplicaModel,
    readonly dataset: Dataset,
  ) {}

  /** Loads the dataset of `config` (each worker reads only the samples of its slices from it). */
  static async create(parts: ReplicaModel, config: RunConfig): Promise<Replica> {
    const dataset = await loadDataset(config.data);
    return new Replica(parts, dataset);
  }

  /**
   * Runs one step on the given global sample indices; the batch tensor is freed afterwards. A
   * conditional model also gets those samples' labels, read here from the same indices: labels
   * travel with the samples, never on the wire.
   */
  async step(step: number, indices: Int32Array, options: StepOptions = {}): Promise<StepMetrics> {
    const labels = this.parts.model.classes ? Int32Array.from(this.dataset.train.labelsAt(indices)) : undefined;
    const images = this.dataset.train.batch(indices) as tf.Tensor4D;
    try {
      return await this.parts.trainer.step(step, { images, indices, ...(labels === undefined ? {} : { labels }) }, options);
    } finally {
      images.dispose();
    }
  }

  /** Loads a STATE payload: weights of `scope`, and for 'full' the optimizer state if present. */
  async load(scope: StateScope, entries: readonly TensorEntry[], data: Uint8Array): Promise<void> {
    const slots = restoreState(this.parts.model, scope, unpackTensors(entries, data));
    try {
      if (Object.keys(slots).length > 0) await this.parts.trainer.setOptimizerState(slots);
    } finally {
      disposeOptimizerState(slots);
    }
  }

  /** The SNAPSHOT payload of `scope`: its weights hash, and tensors unless scope is 'hash'. */
  async snapshot(scope: SnapshotScope): Promise<{ hash: string; entries: TensorEntry[]; data: Uint8Array }> {
    const hash = this.parts.trainer.weightsHash();
    if (scope === 'hash') return { hash, entries: [], data: new Uint8Array(0) };
    const optimizer = scope === 'full' ? await this.parts.trainer.getOptimizerState() : undefined;
    try {
      return { hash, ...packTensors(await captureState(this.parts.model, scope, optimizer)) };
    } finally {
      if (optimizer) disposeOptimizerState(optimizer);
    }
  }

  dispose(): void {
    disposeReplicaModel(this.parts);
  }
}

// Building one replica of a distributed run: the model and Trainer a run's settings describe,
// the gradient size of every phase, and one hash over every phase's manifest. The coordinator
// builds one (for checkpoints, samples and the initial state), and so does every worker; both
// must build exactly the same thing from the same settings, so both call this.
import { createModel } from '../models/registry.js';
import type { GenerativeModel, ModelName } from '../models/types.js';
import type { GradientReducer } from '../train/reducer.js';
import { Trainer } from '../train/trainer.js';
import type { TrainerOptions } from '../train/trainer-options.js';

/** Trainer options a run config may carry: everything but the reducer (the runtime supplies it). */
export type RunTrainerOptions = Omit<TrainerOptions, 'reducer'>;

/** What every replica of a run is built from (the model part of the runtime's RunConfig). */
export interface ReplicaSpec {
  model: ModelName;
  /** Options for createModel (layer sizes, image shape, normalization, ...). */
  modelOptions: Record<string, unknown>;
  trainer: RunTrainerOptions;
  /** Seeds the initial weights (unless modelOptions names its own seed) and the per-sample noise. */
  seed: number;
}

/** The model, Trainer and manifests a spec describes (no data). */
export interface ReplicaModel {
  model: GenerativeModel;
  trainer: Trainer;
  /** Elements of the flat gradient per phase. */
  gradSizes: Record<string, number>;
  /** One hash over every phase's manifest: equal means gradient layouts agree. */
  manifestHash: string;
}

/** Builds the model and Trainer of `spec`, averaging gradients through `reducer`. */
export function buildReplicaModel(spec: ReplicaSpec, reducer: GradientReducer): ReplicaModel {
  const model = createModel(spec.model, { seed: spec.seed, ...spec.modelOptions });
  let trainer: Trainer;
  try {
    trainer = new Trainer(model, { seed: spec.seed, ...spec.trainer, reducer });
  } catch (error) {
    model.dispose();
    throw error;
  }
  const gradSizes: Record<string, number> = {};
  const hashes: string[] = [];
  for (const [phase, manifest] of Object.entries(trainer.manifests)) {
    if (!manifest) continue;
    gradSizes[phase] = manifest.totalSize;
    hashes.push(`${phase}:${manifest.hash}`);
  }
  return { model, trainer, gradSizes, manifestHash: hashes.sort().join(',') };
}

/** Frees a replica's Trainer and model. */
export function disposeReplicaModel(parts: ReplicaModel): void {
  parts.trainer.dispose();
  parts.model.dispose();
}

// The part of a run's configuration that every replica must share: what to train, on which
// data, with which seed and global batch. It travels in WELCOME and its hash is checked at the
// handshake; process settings (addresses, timeouts, run directory) are not part of it.
import { DgmInputError } from '@dgm/core/errors';
// Its fields are typed by core (type-only imports: nothing of core, so no tfjs, is loaded here).
import type { ModelName, RunTrainerOptions } from '@dgm/core';
import { isPlainRecord } from './header-fields.js';

/**
 * What every replica of a run trains. JSON-serialisable. A type alias rather than an interface,
 * so it is assignable where JSON records are taken (WELCOME, checkpoint state) without a cast.
 */
export type RunConfig = {
  /** Model name for core's createModel. */
  model: ModelName;
  /** Options for createModel (layer sizes, image shape, normalization, ...). */
  modelOptions: Record<string, unknown>;
  /** Options for core's Trainer (optimizer, loss, ...), minus the reducer. */
  trainer: RunTrainerOptions;
  /** Dataset spec for core's loadDataset ('mnist', 'npy:<path>', ...). */
  data: string;
  /** Run seed: epoch permutations, per-sample noise, initial weights. */
  seed: number;
  /** Samples per step summed over all workers (B). */
  globalBatch: number;
  /** Training steps of the whole run. */
  steps: number;
};

/** A run config that is not the shape RunConfig requires (the caller's input: CLI exit 2). */
export class RunConfigError extends DgmInputError {
  override name = 'RunConfigError';
}

/**
 * Checks the shape of a run config. Not the values inside model, modelOptions and trainer: core
 * checks those when it builds the replica (createModel, Trainer), with its own sentences.
 */
export function checkRunConfig(value: unknown): RunConfig {
  if (!isPlainRecord(value)) throw new RunConfigError('The run config must be an object with model, modelOptions, trainer, data, seed, globalBatch and steps.');
  const v = value;
  const need = (ok: boolean, what: string): void => {
    if (!ok) throw new RunConfigError(`The run config's ${what}.`);
  };
  need(typeof v.model === 'string' && v.model.length > 0, "'model' must be a model name such as 'dcgan'");
  need(isPlainRecord(v.modelOptions ?? {}), "'modelOptions' must be an object");
  need(isPlainRecord(v.trainer ?? {}), "'trainer' must be an object");
  need(typeof v.data === 'string' && v.data.length > 0, "'data' must be a dataset spec such as 'mnist' or 'npy:<path>'");
  need(Number.isSafeInteger(v.seed) && (v.seed as number) >= 0, "'seed' must be a non-negative integer");
  need(Number.isSafeInteger(v.globalBatch) && (v.globalBatch as number) >= 1, "'globalBatch' must be an integer of at least 1");
  need(Number.isSafeInteger(v.steps) && (v.steps as number) >= 1, "'steps' must be an integer of at least 1");
  return {
    model: v.model as ModelName,
    modelOptions: (v.modelOptions ?? {}) as Record<string, unknown>,
    trainer: (v.trainer ?? {}) as RunTrainerOptions,
    data: v.data as string,
    seed: v.seed as number,
    globalBatch: v.globalBatch as number,
    steps: v.steps as number,
  };
}

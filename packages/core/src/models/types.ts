import type * as tf from '@tensorflow/tfjs';

import type { ModelName } from '../names.js';

export { MODEL_NAMES, type ModelName } from '../names.js';

/** A generator/discriminator pair. Weights are owned by the model: call dispose() when done. */
export interface GanModel {
  family: 'gan';
  name: ModelName;
  latentDim: number;
  imageShape: [number, number, number];
  /** Classes of a conditional model (option `conditional`); null (or absent, in records built by hand) otherwise. */
  classes?: number | null;
  /** z [n, latentDim] (and, when conditional, labels: int32 [n, 1]) -> image [n, h, w, c] in [-1, 1] (tanh). */
  generator: tf.LayersModel;
  /** image [n, h, w, c] in [-1, 1] (and, when conditional, labels: int32 [n, 1]) -> logits [n, 1]. */
  discriminator: tf.LayersModel;
  /** The moving average of the generator's weights (model option `ema` > 0), or null. */
  generatorEma: tf.LayersModel | null;
  /** Decay of generatorEma's average per generator step (0 when there is none). */
  emaDecay: number;
  /** What sample grids and metrics draw from: generatorEma when the model keeps one, else generator. */
  sampler: tf.LayersModel;
  /** Every option with its default filled in (what the model was built from). */
  options: Record<string, unknown>;
  subModels(): Record<string, tf.LayersModel>;
  dispose(): void;
}

/** An encoder/decoder pair with its objective's settings. */
export interface VaeModel {
  family: 'vae';
  name: ModelName;
  latentDim: number;
  imageShape: [number, number, number];
  /** Classes of a conditional model (option `conditional`); null (or absent, in records built by hand) otherwise. */
  classes?: number | null;
  beta: number;
  likelihood: 'bernoulli' | 'gaussian';
  /** x [n, h, w, c] in [0, 1] (and, when conditional, labels: int32 [n, 1]) -> [mean [n, latentDim], logVar [n, latentDim]]. */
  encoder: tf.LayersModel;
  /** z [n, latentDim] (and, when conditional, labels: int32 [n, 1]) -> logits (bernoulli) or means in (0, 1) (gaussian), [n, h, w, c]. */
  decoder: tf.LayersModel;
  options: Record<string, unknown>;
  subModels(): Record<string, tf.LayersModel>;
  dispose(): void;
}

export type GenerativeModel = GanModel | VaeModel;

// A trained model rebuilt from a checkpoint, for `dgm sample` and `dgm eval` (and the end of
// `dgm train`): the architecture comes from state.json, the weights from the verified files.
import type { GenerativeModel, tf as tfTypes } from '@dgm/core';
import type { CheckpointState } from '@dgm/core/node';
import type { BackendName } from '../config/vocabulary.js';

export interface TrainedModel {
  dir: string;
  state: CheckpointState;
  model: GenerativeModel;
  tf: typeof tfTypes;
  dispose(): void;
}

/** Loads the checkpoint that `path` designates (run dir, checkpoints dir or step dir) on `backend`. */
export async function loadTrainedModel(path: string, backend: BackendName): Promise<TrainedModel> {
  const core = await import('@dgm/core/node');
  const tf = core.tf;
  await core.initBackend(backend);
  const checkpoint = await core.loadCheckpoint(path, { models: false });
  try {
    const model = core.createModel(checkpoint.state.model.name as Parameters<typeof core.createModel>[0], checkpoint.state.model.options);
    try {
      core.restoreModelWeights(model, checkpoint);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return { dir: checkpoint.dir, state: checkpoint.state, model, tf, dispose: () => model.dispose() };
  } finally {
    checkpoint.dispose();
  }
}

/**
 * `n` images in [0,1] from the model, the i-th drawn from latent noise keyed by (seed, start + i):
 * the same seed gives the same pictures whatever the batch size. A conditional model draws image
 * i for class labels[i] (required for it, ignored otherwise).
 */
export async function generateImages(trained: TrainedModel, n: number, start: number, seed: number, labels?: Int32Array): Promise<tfTypes.Tensor4D> {
  return generateAt(trained, Int32Array.from({ length: n }, (_, i) => start + i), seed, labels);
}

/** Images from the latents keyed by `indices` (one image each), for the classes `labels` when the model is conditional. */
export async function generateAt(trained: TrainedModel, indices: Int32Array, seed: number, labels?: Int32Array): Promise<tfTypes.Tensor4D> {
  const { keyedNormal } = await import('@dgm/core');
  const { tf, model } = trained;
  const n = indices.length;
  if (model.classes && labels?.length !== n) throw new Error(`a conditional model needs one class per image (${n}), got ${labels?.length ?? 'none'}`);
  const z = keyedNormal({ seed, step: 0, phase: 'sample', stream: 'latent' }, indices, model.latentDim);
  return tf.tidy(() => {
    const latent = tf.tensor2d(z, [n, model.latentDim]);
    // A conditional model takes [z, labels int32 [n, 1]].
    const inputs = model.classes ? [latent, tf.tensor2d(labels as Int32Array, [n, 1], 'int32')] : latent;
    if (model.family === 'gan') {
      // sampler: the generator's moving average when the run kept one (--ema).
      const out = model.sampler.predict(inputs) as tfTypes.Tensor4D;
      return out.add(1).div(2).clipByValue(0, 1) as tfTypes.Tensor4D;
    }
    const out = model.decoder.predict(inputs) as tfTypes.Tensor4D;
    // Bernoulli decoders emit logits; show their means. Gaussian decoders emit means already.
    return (model.likelihood === 'bernoulli' ? tf.sigmoid(out) : out.clipByValue(0, 1)) as tfTypes.Tensor4D;
  });
}

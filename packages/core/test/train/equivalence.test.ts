// The core promise of data parallelism: a step on a whole batch equals the sample-count-weighted
// average of the gradients of its parts, each part computed with its own global indices.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createModel, type GenerativeModel, type ModelName } from '../../src/models/index.js';
import { Trainer, type TrainerOptions } from '../../src/train/index.js';
import { CapturingReducer, InProcessGroup } from './fixtures/in-process-group.js';
import { barImages, range } from './fixtures/synthetic-images.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function allWeights(model: GenerativeModel): Float32Array {
  const parts = Object.values(model.subModels()).flatMap((m) => m.getWeights().map((w) => w.dataSync() as Float32Array));
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const CASES: Array<[string, ModelName, Record<string, unknown>, TrainerOptions]> = [
  ['vae', 'vae', { hidden: [32], latentDim: 4 }, {}],
  ['mlp-gan (non-saturating)', 'mlp-gan', { hidden: [32], latentDim: 8 }, {}],
  ["dcgan (normalization 'none')", 'dcgan', { width: 4, latentDim: 8, normalization: 'none' }, {}],
  ["dcgan (normalization 'none', refine 1)", 'dcgan', { width: 4, latentDim: 8, normalization: 'none', refine: 1 }, {}],
  ['mlp-gan (wgan-gp, nCritic 2)', 'mlp-gan', { hidden: [32], latentDim: 8 }, { loss: 'wgan-gp', nCritic: 2 }],
  // DiffAugment draws are keyed by global index, so they split like the noise does.
  // (dcgan with translation only: a width-4 D with half of every image cut out has gradients too
  // small to compare at this tolerance.)
  ["dcgan (normalization 'none', augment)", 'dcgan', { width: 4, latentDim: 8, normalization: 'none' }, { augment: ['translation'] }],
  ['mlp-gan (wgan-gp, augment)', 'mlp-gan', { hidden: [32], latentDim: 8 }, { loss: 'wgan-gp', nCritic: 2, augment: ['translation', 'cutout'] }],
];

describe('a step on a whole batch equals the weighted average over its parts', () => {
  it.each(CASES)('%s', async (_, name, modelOptions, trainerOptions) => {
    const whole = createModel(name, { ...modelOptions, seed: 11 });
    const replicas = [createModel(name, { ...modelOptions, seed: 11 }), createModel(name, { ...modelOptions, seed: 11 })];
    const capture = new CapturingReducer();
    const group = new InProcessGroup(2);
    const wholeTrainer = new Trainer(whole, { ...trainerOptions, reducer: capture });
    const replicaTrainers = replicas.map((m) => new Trainer(m, { ...trainerOptions, reducer: group.reducer() }));
    const batch = 8;
    const split = 5; // unequal parts: a plain mean of the two would be wrong
    for (let step = 0; step < 2; step++) {
      const indices = range(100 + step * batch, 100 + (step + 1) * batch);
      const images = barImages(indices, whole.imageShape);
      const parts = [indices.subarray(0, split), indices.subarray(split)].map((idx, k) => ({
        images: tf.slice(images, k === 0 ? 0 : split, idx.length) as tf.Tensor4D,
        indices: idx,
      }));
      await wholeTrainer.step(step, { images, indices });
      await Promise.all(replicaTrainers.map((t, k) => t.step(step, parts[k])));
      tf.dispose([images, ...parts.map((p) => p.images)]);
    }
    expect(group.history.map((h) => `${h.phase}${h.step}`)).toEqual(capture.calls.map((c) => `${c.phase}${c.step}`));
    expect(capture.calls.length).toBeGreaterThanOrEqual(2);
    capture.calls.forEach((call, k) => {
      const averaged = group.history[k].averaged;
      expect(maxAbs(call.grads)).toBeGreaterThan(1e-4); // gradients that are there to compare
      expect(maxAbsDiff(call.grads, averaged)).toBeLessThanOrEqual(1e-5);
    });
    // Replicas applied the same averaged buffers: bit-identical weights.
    expect(replicaTrainers[0].weightsHash()).toBe(replicaTrainers[1].weightsHash());
    // Weights after two steps agree to float32 rounding amplified by Adam: for entries whose
    // gradient is near 0, the update g / (sqrt(v) + eps) turns rounding-level gradient
    // differences into a fraction of one learning-rate step (lr is 1e-4 to 1e-3 here).
    expect(maxAbsDiff(allWeights(whole), allWeights(replicas[0]))).toBeLessThanOrEqual(5e-5);
    [wholeTrainer, ...replicaTrainers].forEach((t) => t.dispose());
    [whole, ...replicas].forEach((m) => m.dispose());
  });
});

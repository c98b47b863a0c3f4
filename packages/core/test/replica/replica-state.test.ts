// Weights and optimizer state as named arrays, between two replicas built separately (as in two
// processes: different unique layer names, same originalNames).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import type { ModelName } from '../../src/models/index.js';
import { buildReplicaModel, captureState, disposeReplicaModel, hasMovingStatistics, ReplicaStateError, restoreState, type ReplicaSpec } from '../../src/replica/index.js';
import { disposeOptimizerState, LocalReducer } from '../../src/train/index.js';

const spec = (model: ModelName, modelOptions: Record<string, unknown>): ReplicaSpec => ({ model, modelOptions, trainer: {}, seed: 4 });

beforeAll(async () => {
  await initBackend('cpu');
});

async function trainOneStep(parts: ReturnType<typeof buildReplicaModel>, shape: [number, number, number] = [8, 8, 1]) {
  const images = tf.randomUniform([4, ...shape], 0, 1, 'float32', 1) as tf.Tensor4D;
  await parts.trainer.step(0, { images, indices: Int32Array.of(0, 1, 2, 3) });
  images.dispose();
}

describe('replica state', () => {
  it('moves weights and optimizer state to another replica bit for bit, without leaking tensors', async () => {
    const a = buildReplicaModel(spec('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }), new LocalReducer());
    const b = buildReplicaModel(spec('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4], seed: 99 }), new LocalReducer());
    await trainOneStep(a);
    expect(a.trainer.weightsHash()).not.toBe(b.trainer.weightsHash());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const optimizer = await a.trainer.getOptimizerState();
      const state = await captureState(a.model, 'full', optimizer);
      disposeOptimizerState(optimizer);
      const slots = restoreState(b.model, 'full', state);
      expect(Object.keys(slots).sort()).toEqual(['d', 'g']);
      await b.trainer.setOptimizerState(slots);
      disposeOptimizerState(slots);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(b.trainer.weightsHash()).toBe(a.trainer.weightsHash());
    // Same optimizer state too: one more identical step keeps them identical.
    await trainOneStep(a);
    await trainOneStep(b);
    expect(b.trainer.weightsHash()).toBe(a.trainer.weightsHash());
    for (const p of [a, b]) disposeReplicaModel(p);
  });

  it('carries only BatchNorm statistics in scope stats, and syncs them from one replica to another', async () => {
    const bnSpec = spec('dcgan', { imageShape: [28, 28, 1], latentDim: 2, width: 1, normalization: 'batch' });
    const bn = buildReplicaModel(bnSpec, new LocalReducer());
    const none = buildReplicaModel(spec('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }), new LocalReducer());
    expect(hasMovingStatistics(bn.model)).toBe(true);
    expect(hasMovingStatistics(none.model)).toBe(false);
    const initial = await captureState(bn.model, 'stats');
    expect(initial.map((t) => t.name)).toEqual([
      'w/generator/g_project_bn/moving_mean',
      'w/generator/g_project_bn/moving_variance',
      'w/generator/g_up1_bn/moving_mean',
      'w/generator/g_up1_bn/moving_variance',
      'w/discriminator/d_conv2_bn/moving_mean',
      'w/discriminator/d_conv2_bn/moving_variance',
    ]);
    // Training-mode batches move the statistics; the other replica takes them over exactly.
    await trainOneStep(bn, [28, 28, 1]);
    const trained = await captureState(bn.model, 'stats');
    expect(trained.map((t) => Array.from(t.values))).not.toEqual(initial.map((t) => Array.from(t.values)));
    const other = buildReplicaModel(bnSpec, new LocalReducer());
    const hashBefore = other.trainer.weightsHash();
    expect(restoreState(other.model, 'stats', trained)).toEqual({});
    expect(other.trainer.weightsHash()).not.toBe(hashBefore);
    expect((await captureState(other.model, 'stats')).map((t) => Array.from(t.values))).toEqual(trained.map((t) => Array.from(t.values)));
    for (const p of [bn, none, other]) disposeReplicaModel(p);
  });

  it('refuses a state made for another model and leaves the model untouched', async () => {
    const a = buildReplicaModel(spec('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }), new LocalReducer());
    const b = buildReplicaModel(spec('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [5] }), new LocalReducer());
    const hash = b.trainer.weightsHash();
    const state = await captureState(a.model, 'full');
    expect(() => restoreState(b.model, 'full', state)).toThrow(ReplicaStateError);
    expect(() => restoreState(b.model, 'full', state)).toThrow(/has shape \[2,4\] in the state but \[2,5\] in this model/);
    expect(() => restoreState(b.model, 'full', state.slice(1))).toThrow(/state has no tensor for weight 'w\/generator\//);
    expect(b.trainer.weightsHash()).toBe(hash);
    for (const p of [a, b]) disposeReplicaModel(p);
  });
});

// Weights and optimizer state as named arrays, between two replicas built separately (as in two
// processes: different unique layer names, same originalNames).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, LocalReducer } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { buildReplicaModel, captureState, disposeSlots, hasMovingStatistics, ReplicaStateError, restoreState } from '../src/index.js';

const config = (model: string, modelOptions: Record<string, unknown>): RunConfig => ({ model, modelOptions, trainer: {}, data: 'unused', seed: 4, globalBatch: 4, steps: 1 });

beforeAll(async () => {
  await initBackend('cpu');
});

async function trainOneStep(parts: ReturnType<typeof buildReplicaModel>) {
  const images = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  await parts.trainer.step(0, { images, indices: Int32Array.of(0, 1, 2, 3) });
  images.dispose();
}

describe('replica state', () => {
  it('moves weights and optimizer state to another replica bit for bit, without leaking tensors', async () => {
    const a = buildReplicaModel(config('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }), new LocalReducer());
    const b = buildReplicaModel(config('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4], seed: 99 }), new LocalReducer());
    await trainOneStep(a);
    expect(a.trainer.weightsHash()).not.toBe(b.trainer.weightsHash());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const optimizer = await a.trainer.getOptimizerState();
      const state = await captureState(a.model, 'full', optimizer);
      disposeSlots(optimizer);
      const slots = restoreState(b.model, 'full', state);
      expect(Object.keys(slots).sort()).toEqual(['d', 'g']);
      await b.trainer.setOptimizerState(slots);
      disposeSlots(slots);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(b.trainer.weightsHash()).toBe(a.trainer.weightsHash());
    // Same optimizer state too: one more identical step keeps them identical.
    await trainOneStep(a);
    await trainOneStep(b);
    expect(b.trainer.weightsHash()).toBe(a.trainer.weightsHash());
    for (const p of [a, b]) {
      p.trainer.dispose();
      p.model.dispose();
    }
  });

  it('carries only BatchNorm statistics in scope stats', async () => {
    const bn = buildReplicaModel(config('dcgan', { imageShape: [28, 28, 1], latentDim: 2, width: 1, normalization: 'batch' }), new LocalReducer());
    const none = buildReplicaModel(config('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }), new LocalReducer());
    expect(hasMovingStatistics(bn.model)).toBe(true);
    expect(hasMovingStatistics(none.model)).toBe(false);
    const stats = await captureState(bn.model, 'stats');
    expect(stats.length).toBeGreaterThan(0);
    expect(stats.every((t) => /moving_(mean|variance)$/.test(t.name))).toBe(true);
    for (const p of [bn, none]) {
      p.trainer.dispose();
      p.model.dispose();
    }
  });

  it('refuses a state made for another model and leaves the model untouched', async () => {
    const a = buildReplicaModel(config('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }), new LocalReducer());
    const b = buildReplicaModel(config('mlp-gan', { imageShape: [8, 8, 1], latentDim: 2, hidden: [5] }), new LocalReducer());
    const hash = b.trainer.weightsHash();
    const state = await captureState(a.model, 'full');
    expect(() => restoreState(b.model, 'full', state)).toThrow(ReplicaStateError);
    expect(() => restoreState(b.model, 'full', state)).toThrow(/has shape \[2,4\] in the state but \[2,5\] in this model/);
    expect(() => restoreState(b.model, 'full', state.slice(1))).toThrow(/state has no tensor for weight 'w\/generator\//);
    expect(b.trainer.weightsHash()).toBe(hash);
    for (const p of [a, b]) {
      p.trainer.dispose();
      p.model.dispose();
    }
  });
});

// Round-trip exactness with dgm's own parts: createModel + Trainer train N steps, a checkpoint
// is saved, a fresh model and Trainer are rebuilt from it alone (state.json names the model and
// its options), and one more step gives weights bit-equal to a run that never stopped.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { createModel, Trainer, type GenerativeModel } from '../../src/index.js';
import { loadCheckpoint, restoreModelWeights, saveCheckpoint } from '../../src/checkpoint/index.js';
import { withTempDir } from './fixtures/temp-root.js';
import { weightValues } from './fixtures/tiny-models.js';

const STEPS_BEFORE_SAVE = 5;
const CASES = [
  ['mlp-gan', { latentDim: 4, hidden: [8], imageShape: [4, 4, 1], seed: 11 }],
  // The generator average is a sub-model: its weights travel in the checkpoint like the others.
  ['mlp-gan', { latentDim: 4, hidden: [8], imageShape: [4, 4, 1], seed: 11, ema: 0.9 }],
  ['vae', { latentDim: 3, hidden: [8], imageShape: [4, 4, 1], seed: 12 }],
] as const;

async function trainStep(trainer: Trainer, step: number): Promise<void> {
  const images = tf.randomUniform([6, 4, 4, 1], 0, 1, 'float32', 500 + step) as tf.Tensor4D;
  const indices = Int32Array.from({ length: 6 }, (_, i) => step * 6 + i);
  try {
    await trainer.step(step, { images, indices });
  } finally {
    images.dispose();
  }
}

const allWeights = (model: GenerativeModel): Float32Array[] => Object.values(model.subModels()).flatMap(weightValues);

describe('resume from a checkpoint (createModel + Trainer)', () => {
  it.each(CASES)('%s %o continues bit-exactly like a run that never stopped', async (name, options) => {
    const OPTIONS = { ...options, hidden: [...options.hidden], imageShape: [...options.imageShape] };
    const reference = createModel(name, OPTIONS);
    const referenceTrainer = new Trainer(reference, {});
    for (let step = 0; step <= STEPS_BEFORE_SAVE; step++) await trainStep(referenceTrainer, step);

    await withTempDir(async (root) => {
      const before = tf.memory().numTensors;
      const model = createModel(name, OPTIONS);
      const trainer = new Trainer(model, {});
      for (let step = 0; step < STEPS_BEFORE_SAVE; step++) await trainStep(trainer, step);
      const optimizerState = await trainer.getOptimizerState();
      await saveCheckpoint(root, {
        step: STEPS_BEFORE_SAVE, epoch: 0, sampler: { epoch: 0, step: STEPS_BEFORE_SAVE }, seed: 11,
        config: { model: name, options: OPTIONS }, model, optimizerState,
        manifestHashes: Object.fromEntries(Object.entries(trainer.manifests).map(([phase, m]) => [phase, m.hash])),
      });
      for (const entries of Object.values(optimizerState)) tf.dispose(entries.map((e) => e.tensor));
      const hashAtSave = trainer.weightsHash();
      trainer.dispose();
      model.dispose();

      // A new process would know nothing but the checkpoint: rebuild everything from it.
      const loaded = await loadCheckpoint(root, { models: false });
      const resumed = createModel(loaded.state.model.name as typeof name, loaded.state.model.options);
      restoreModelWeights(resumed, loaded);
      const resumedTrainer = new Trainer(resumed, {});
      expect(resumedTrainer.weightsHash()).toBe(hashAtSave);
      expect(Object.fromEntries(Object.entries(resumedTrainer.manifests).map(([p, m]) => [p, m.hash]))).toEqual(loaded.state.manifestHashes);
      await resumedTrainer.setOptimizerState(loaded.optimizerState);
      loaded.dispose();
      await trainStep(resumedTrainer, STEPS_BEFORE_SAVE);

      expect(allWeights(resumed)).toEqual(allWeights(reference));
      expect(resumedTrainer.weightsHash()).toBe(referenceTrainer.weightsHash());
      resumedTrainer.dispose();
      resumed.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
    referenceTrainer.dispose();
    reference.dispose();
  });
});

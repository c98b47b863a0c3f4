import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createModel } from '../../src/models/index.js';
import { learningRateAt, Trainer, TrainerInputError } from '../../src/train/index.js';
import { resolveLrSchedule } from '../../src/train/lr-schedule.js';
import { barImages, range } from './fixtures/synthetic-images.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('learning-rate schedules', () => {
  it('cosine runs from lr at step 0 through the midpoint to final × lr at `steps`, and holds there', () => {
    const s = resolveLrSchedule({ kind: 'cosine', steps: 100, final: 0.1 });
    expect(learningRateAt(1e-3, s, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(1e-3, s, 50)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRateAt(1e-3, s, 100)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(1e-3, s, 1000)).toBeCloseTo(1e-4, 12);
    const rates = Array.from({ length: 101 }, (_, k) => learningRateAt(1, s, k));
    expect(rates.every((r, k) => k === 0 || r < rates[k - 1])).toBe(true);
    expect(learningRateAt(1e-3, resolveLrSchedule('constant'), 12345)).toBe(1e-3);
    expect(resolveLrSchedule({ kind: 'cosine', steps: 5 })).toEqual({ kind: 'cosine', steps: 5, final: 0 });
  });

  it('refuses malformed schedules with a sentence naming what is allowed', () => {
    for (const bad of ['cosine', { kind: 'step', steps: 5 }, { kind: 'cosine', steps: 0 }, { kind: 'cosine', steps: 5, final: 2 }, { kind: 'cosine', steps: 5, warmup: 1 }, null]) {
      expect(() => resolveLrSchedule(bad)).toThrow(TrainerInputError);
    }
    expect(() => resolveLrSchedule({ kind: 'cosine', steps: 1.5 })).toThrow(/must be 'constant' or \{ kind: 'cosine'/);
  });

  it('the Trainer applies the rate of each step: with final 0 the weights stop moving once the schedule ends', async () => {
    const model = createModel('vae', { hidden: [8], latentDim: 2, imageShape: [8, 8, 1] });
    const trainer = new Trainer(model, { lrSchedule: { kind: 'cosine', steps: 2, final: 0 } });
    expect(trainer.settings.lrSchedule).toEqual({ kind: 'cosine', steps: 2, final: 0 });
    const snapshot = () => model.encoder.getWeights().map((w) => w.dataSync().slice());
    const step = async (s: number) => {
      const indices = range(4 * s, 4 * s + 4);
      const images = barImages(indices, model.imageShape);
      await trainer.step(s, { images, indices });
      images.dispose();
    };
    const w0 = snapshot();
    await step(0);
    const w1 = snapshot();
    expect(w1.some((w, i) => w.some((v, j) => v !== w0[i][j]))).toBe(true);
    const tensors = tf.memory().numTensors;
    await step(2); // lr = 0 here: Adam's moments move, the weights do not
    expect(snapshot()).toEqual(w1);
    expect(tf.memory().numTensors).toBe(tensors);
    trainer.dispose();
    model.dispose();
  });
});

// A phase whose averaged gradient holds a NaN or ±Infinity is not applied: weights, Adam's state
// and the generator average stay as they were, the next phases and steps go on as if the
// poisoned phase had never run. And the finite check itself.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createModel, type GanModel, type GenerativeModel } from '../../src/models/index.js';
import { allFinite, Trainer, type GradientReducer } from '../../src/train/index.js';
import type { PhaseName } from '../../src/noise/index.js';
import { barImages, range } from './fixtures/synthetic-images.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Averages nothing, but hands back a NaN at the given (step, phase) rounds. */
class PoisoningReducer implements GradientReducer {
  constructor(private readonly poisoned: ReadonlySet<string>) {}
  async reduce(phase: PhaseName, step: number, grads: Float32Array): Promise<Float32Array> {
    if (!this.poisoned.has(`${step}${phase}`)) return grads;
    const out = grads.slice();
    out[out.length >> 1] = step % 2 === 0 ? NaN : -Infinity;
    return out;
  }
}

const values = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

async function stepAt(trainer: Trainer, step: number) {
  const indices = range(step * 4, step * 4 + 4);
  const images = barImages(indices, trainer.model.imageShape);
  try {
    return await trainer.step(step, { images, indices });
  } finally {
    images.dispose();
  }
}

async function optimizerIter(trainer: Trainer, phase: string): Promise<number> {
  const state = await trainer.getOptimizerState();
  const iter = (await state[phase]![0]!.tensor.data())[0]!;
  Object.values(state).forEach((s) => s.forEach((e) => e.tensor.dispose()));
  return iter;
}

describe('allFinite', () => {
  it('is false for any NaN or ±Infinity anywhere, true for finite values (the largest float32 too)', () => {
    for (const n of [0, 1, 3, 4, 7, 1000]) {
      const a = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -3.4e38 : 3.4e38));
      expect(allFinite(a)).toBe(true);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const i of new Set([0, 1, n >> 1, n - 2, n - 1].filter((k) => k >= 0 && k < n))) {
          const b = a.slice();
          b[i] = bad;
          expect(allFinite(b), `${bad} at ${i} of ${n}`).toBe(false);
        }
      }
    }
  });
});

describe('Trainer skips a poisoned phase', () => {
  it('VAE: a skipped step leaves the trajectory exactly as if the step had not run', async () => {
    const make = (poisoned: string[]) => {
      const model = createModel('vae', { hidden: [8], latentDim: 2, imageShape: [8, 8, 1], seed: 3 }) as GenerativeModel;
      return new Trainer(model, { reducer: new PoisoningReducer(new Set(poisoned)) });
    };
    const skipping = make(['1vae']);
    const plain = make([]);
    const skippedAt: PhaseName[][] = [];
    for (const step of [0, 1, 2, 3]) skippedAt.push((await stepAt(skipping, step)).skipped);
    for (const step of [0, 2, 3]) expect((await stepAt(plain, step)).skipped).toEqual([]);
    expect(skippedAt).toEqual([[], ['vae'], [], []]);
    const subModels = (t: Trainer) => Object.values(t.model.subModels()).map(values);
    expect(subModels(skipping)).toEqual(subModels(plain));
    expect(await optimizerIter(skipping, 'vae')).toBe(3);
    for (const t of [skipping, plain]) {
      t.dispose();
      t.model.dispose();
    }
  });

  it('GAN: a skipped D keeps D and its Adam state, G still trains; a skipped G keeps G and the average', async () => {
    const model = createModel('mlp-gan', { hidden: [8], latentDim: 4, imageShape: [8, 8, 1], ema: 0.9 }) as GanModel;
    const trainer = new Trainer(model, { reducer: new PoisoningReducer(new Set(['1d', '2g'])) });
    await stepAt(trainer, 0);
    let d = values(model.discriminator);
    let g = values(model.generator);
    expect((await stepAt(trainer, 1)).skipped).toEqual(['d']);
    expect(values(model.discriminator)).toEqual(d);
    expect(values(model.generator)).not.toEqual(g);
    expect(await optimizerIter(trainer, 'd')).toBe(1);
    expect(await optimizerIter(trainer, 'g')).toBe(2);
    d = values(model.discriminator);
    g = values(model.generator);
    const average = values(model.generatorEma!);
    expect((await stepAt(trainer, 2)).skipped).toEqual(['g']);
    expect(values(model.discriminator)).not.toEqual(d);
    expect(values(model.generator)).toEqual(g);
    expect(values(model.generatorEma!)).toEqual(average);
    expect(await optimizerIter(trainer, 'g')).toBe(2);
    for (const sub of Object.values(model.subModels())) for (const w of values(sub)) expect(w.every(Number.isFinite)).toBe(true);
    const before = tf.memory().numTensors;
    await stepAt(trainer, 3);
    await stepAt(trainer, 4);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
  });
});

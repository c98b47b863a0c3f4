// A step broken off mid-way (a worker of an elastic run died after phase 'd' was applied) is
// finished from its first phase not applied: Trainer.step's `from`. The phases before it are not
// applied again, so a step run as 'd', then broken, then finished from 'g' ends exactly where the
// whole step ends (weights, Adam's state, the generator average). `onPhaseDone` says what a
// failed step applied.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createModel, type GenerativeModel } from '../../src/models/index.js';
import { Trainer, type GradientReducer } from '../../src/train/index.js';
import type { PhaseName } from '../../src/noise/index.js';
import { barImages, range } from './fixtures/synthetic-images.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Returns the local gradient, but fails the reduce of one (step, phase): the run broke there. */
class BreakingReducer implements GradientReducer {
  constructor(private readonly breakAt: string | null) {}
  async reduce(phase: PhaseName, step: number, grads: Float32Array): Promise<Float32Array> {
    if (`${step}${phase}` === this.breakAt) throw new Error('the step was broken off');
    return grads;
  }
}

const everything = (t: Trainer) => Object.values(t.model.subModels()).flatMap((m) => m.weights.map((w) => Array.from(w.read().dataSync())));

async function run(trainer: Trainer, step: number, options = {}) {
  const indices = range(step * 4, step * 4 + 4);
  const images = barImages(indices, trainer.model.imageShape);
  try {
    return await trainer.step(step, { images, indices }, options);
  } finally {
    images.dispose();
  }
}

function gan(breakAt: string | null): Trainer {
  const model = createModel('mlp-gan', { imageShape: [8, 8, 1], latentDim: 4, hidden: [8], ema: 0.9, seed: 5 }) as GenerativeModel;
  return new Trainer(model, { reducer: new BreakingReducer(breakAt) });
}

async function optimizerIters(t: Trainer): Promise<number[]> {
  const state = await t.getOptimizerState();
  const iters = await Promise.all(Object.keys(state).sort().map(async (p) => (await state[p]![0]!.tensor.data())[0]!));
  Object.values(state).forEach((s) => s.forEach((e) => e.tensor.dispose()));
  return iters;
}

describe('Trainer.step from a phase', () => {
  it('a GAN step broken after d and finished from g equals the whole step (weights, Adam, EMA)', async () => {
    const broken = gan('1g');
    const whole = gan(null);
    for (const t of [broken, whole]) await run(t, 0);
    const done: PhaseName[] = [];
    await expect(run(broken, 1, { onPhaseDone: (p: PhaseName) => done.push(p) })).rejects.toThrow(/broken off/);
    expect(done).toEqual(['d']);
    // The same reducer would break again: finish with one that does not.
    const finisher = new Trainer(broken.model, { reducer: new BreakingReducer(null) });
    await finisher.setOptimizerState(await broken.getOptimizerState());
    const finished: PhaseName[] = [];
    const metrics = await run(finisher, 1, { from: 'g', onPhaseDone: (p: PhaseName) => finished.push(p) });
    expect(finished).toEqual(['g']);
    expect(Object.keys(metrics.losses)).toEqual(['g']);
    await run(whole, 1);
    expect(everything(finisher)).toEqual(everything(whole));
    expect(await optimizerIters(finisher)).toEqual(await optimizerIters(whole));
    // A phase the step does not run is refused with a sentence.
    await expect(run(finisher, 2, { from: 'vae' })).rejects.toThrow(/step 2 runs phases d, g; it cannot start from phase 'vae'/);
    for (const t of [broken, whole, finisher]) t.dispose();
    broken.model.dispose();
    whole.model.dispose();
  });
});

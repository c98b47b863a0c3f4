import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createModel, type GanModel, type GenerativeModel } from '../../src/models/index.js';
import { ADAM_EPSILON, emaDecayAt, Trainer, TrainerInputError, type Batch } from '../../src/train/index.js';
import { Adam } from '../../src/train/adam.js';
import { CapturingReducer } from './fixtures/in-process-group.js';
import { barImages, range } from './fixtures/synthetic-images.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const tinyGan = () => createModel('mlp-gan', { hidden: [8], latentDim: 4, imageShape: [8, 8, 1] }) as GanModel;
const tinyVae = () => createModel('vae', { hidden: [8], latentDim: 2, imageShape: [8, 8, 1] });

function batchAt(model: GenerativeModel, step: number, n = 4): Batch {
  const indices = range(step * n, step * n + n);
  return { images: barImages(indices, model.imageShape), indices };
}

async function run(trainer: Trainer, from: number, to: number): Promise<void> {
  for (let step = from; step < to; step++) {
    const batch = batchAt(trainer.model, step);
    await trainer.step(step, batch);
    batch.images.dispose();
  }
}

describe('Trainer schedule and metrics', () => {
  it('GANs run d then g every step; wgan-gp runs g at steps with step % nCritic == nCritic - 1', async () => {
    const model = tinyGan();
    const plain = new Trainer(model);
    expect([0, 1, 2].map((s) => plain.phasesAt(s))).toEqual([['d', 'g'], ['d', 'g'], ['d', 'g']]);
    const capture = new CapturingReducer();
    const wgan = new Trainer(model, { loss: 'wgan-gp', reducer: capture });
    expect(wgan.nCritic).toBe(5);
    expect(wgan.phasesAt(3)).toEqual(['d']);
    expect(wgan.phasesAt(4)).toEqual(['d', 'g']);
    await run(wgan, 0, 10);
    expect(capture.calls.map((c) => `${c.phase}${c.step}`).join(' ')).toBe('d0 d1 d2 d3 d4 g4 d5 d6 d7 d8 d9 g9');
    expect(capture.calls.every((c) => c.sampleCount === 4)).toBe(true);
    [plain, wgan].forEach((t) => t.dispose());
    model.dispose();
  });

  it('reports per-phase losses, sample count and timings', async () => {
    const gan = tinyGan();
    const trainer = new Trainer(gan, { loss: 'wgan-gp', nCritic: 1, clipNorm: 1 });
    const batch = batchAt(gan, 0);
    const m = await trainer.step(0, batch);
    expect(Object.keys(m.losses).sort()).toEqual(['d', 'd_grad_norm', 'g', 'g_grad_norm', 'gp']);
    expect(m.sampleCount).toBe(4);
    expect(m.computeMs).toBeGreaterThan(0);
    expect(m.reduceMs).toBeGreaterThanOrEqual(0);
    batch.images.dispose();
    trainer.dispose();
    gan.dispose();
    const vae = tinyVae();
    const vt = new Trainer(vae);
    const vb = batchAt(vae, 0);
    const vm = await vt.step(0, vb);
    expect(Object.keys(vm.losses).sort()).toEqual(['elbo', 'kl', 'recon', 'vae']);
    expect(vm.losses.vae).toBeCloseTo(vm.losses.recon + vm.losses.kl, 3); // beta = 1
    vb.images.dispose();
    vt.dispose();
    vae.dispose();
  });
});

describe('generator average (model option ema)', () => {
  const values = (m: tf.LayersModel) => m.weights.map((w) => Float64Array.from(w.read().dataSync()));

  it('warms up like TensorFlow ExponentialMovingAverage: min(decay, (1 + t) / (10 + t))', () => {
    expect(emaDecayAt(0.999, 0)).toBeCloseTo(0.1, 15);
    expect(emaDecayAt(0.999, 90)).toBeCloseTo(0.91, 15);
    expect(emaDecayAt(0.999, 8990)).toBeCloseTo(0.999, 15);
    expect(emaDecayAt(0.999, 1e6)).toBe(0.999);
    expect(emaDecayAt(0.5, 0)).toBe(0.1);
    expect(emaDecayAt(0.5, 100)).toBe(0.5);
  });

  it('after each step that trains G, average = d_t·average + (1 − d_t)·G, BatchNorm statistics included', async () => {
    for (const [name, trainerOptions] of [['dcgan', {}], ['mlp-gan', { loss: 'wgan-gp', nCritic: 2 }]] as const) {
      const model = (name === 'dcgan'
        ? createModel('dcgan', { width: 4, latentDim: 3, ema: 0.95, seed: 2 })
        : createModel('mlp-gan', { hidden: [8], latentDim: 4, imageShape: [8, 8, 1], ema: 0.95 })) as GanModel;
      const trainer = new Trainer(model, trainerOptions);
      let expected = values(model.generator);
      expect(values(model.generatorEma!)).toEqual(expected);
      const bn = model.generator.nonTrainableWeights.length;
      expect(bn).toBe(name === 'dcgan' ? 4 : 0);
      for (let step = 0; step < 6; step++) {
        await run(trainer, step, step + 1);
        if (trainer.phasesAt(step).includes('g')) {
          const d = emaDecayAt(0.95, step);
          const live = values(model.generator);
          expected = expected.map((a, i) => a.map((x, j) => d * x + (1 - d) * live[i]![j]!));
        }
        const got = values(model.generatorEma!);
        got.forEach((g, i) => g.forEach((x, j) => expect(Math.abs(x - expected[i]![j]!), `${name} step ${step} weight ${i}`).toBeLessThan(1e-5)));
      }
      // It averages: after a few steps it is neither the initial G nor the live G.
      const live = values(model.generator);
      expect(values(model.generatorEma!).some((g, i) => g.some((x, j) => x !== live[i]![j]))).toBe(true);
      trainer.dispose();
      model.dispose();
    }
  });

  it('trains dcgan refinement layers (option refine): a step moves their kernels and BatchNorm statistics', async () => {
    const model = createModel('dcgan', { width: 4, latentDim: 3, refine: 2, seed: 2 }) as GanModel;
    const trainer = new Trainer(model);
    const names = ['g_refine', 'g_refine_bn', 'g_refine2', 'g_refine2_bn'];
    const read = () => names.map((n) => model.generator.getLayer(n).getWeights().map((w) => Array.from(w.dataSync())));
    const before = read();
    await run(trainer, 0, 1);
    const after = read();
    names.forEach((n, k) => before[k]!.forEach((w, i) => expect(after[k]![i], `${n} weight ${i}`).not.toEqual(w)));
    trainer.dispose();
    model.dispose();
  });

  it('keeps tf.memory().numTensors flat while it updates', async () => {
    const gan = createModel('mlp-gan', { hidden: [8], latentDim: 4, imageShape: [8, 8, 1], ema: 0.99 });
    const trainer = new Trainer(gan);
    await run(trainer, 0, 2);
    const before = tf.memory().numTensors;
    await run(trainer, 2, 40);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    gan.dispose();
  });
});

describe('Trainer memory', () => {
  it('leaves tf.memory().numTensors flat over 200 GAN steps, and over wgan-gp and VAE steps', async () => {
    const gan = tinyGan();
    const trainer = new Trainer(gan);
    await run(trainer, 0, 2); // first steps may create lasting kernels' state
    const before = tf.memory().numTensors;
    await run(trainer, 2, 200);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    const wgan = new Trainer(gan, { loss: 'wgan-gp', nCritic: 2, clipNorm: 5 });
    await run(wgan, 0, 2);
    const beforeWgan = tf.memory().numTensors;
    await run(wgan, 2, 30);
    expect(tf.memory().numTensors).toBe(beforeWgan);
    wgan.dispose();
    const vae = tinyVae();
    const vt = new Trainer(vae);
    await run(vt, 0, 2);
    const beforeVae = tf.memory().numTensors;
    await run(vt, 2, 30);
    expect(tf.memory().numTensors).toBe(beforeVae);
    vt.dispose();
    const afterAll = tf.memory().numTensors;
    gan.dispose();
    vae.dispose();
    expect(tf.memory().numTensors).toBeLessThan(afterAll);
  });

  it('dispose() frees the optimizer state it made', () => {
    const gan = tinyGan();
    const before = tf.memory().numTensors;
    const trainer = new Trainer(gan);
    expect(tf.memory().numTensors).toBe(before + 2 * (trainer.manifests.d!.entries.length + trainer.manifests.g!.entries.length));
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    gan.dispose();
  });
});

describe('optimizer state', () => {
  it('round-trips: a restored replica continues bit-exactly, a fresh optimizer does not', async () => {
    const a = tinyGan();
    const ta = new Trainer(a);
    await run(ta, 0, 3);
    const state = await ta.getOptimizerState();
    expect(Object.keys(state).sort()).toEqual(['d', 'g']);
    expect(state.d[0].name).toBe('iter');
    expect(state.d[0].tensor.dataSync()[0]).toBe(3);
    expect(state.d[1].name).toBe('d_dense1/kernel/m');
    expect(state.d.at(-1)!.name).toBe('d_logits/bias/v');

    const b = tinyGan();
    for (const [name, sub] of Object.entries(b.subModels())) sub.setWeights(a.subModels()[name].getWeights());
    const tb = new Trainer(b);
    await tb.setOptimizerState(state);
    const c = tinyGan();
    for (const [name, sub] of Object.entries(c.subModels())) sub.setWeights(a.subModels()[name].getWeights());
    const tc = new Trainer(c);
    expect(tb.weightsHash()).toBe(ta.weightsHash());

    await run(ta, 3, 5);
    await run(tb, 3, 5);
    await run(tc, 3, 5);
    expect(tb.weightsHash()).toBe(ta.weightsHash());
    expect(tc.weightsHash()).not.toBe(ta.weightsHash());

    Object.values(state).forEach((list) => tf.dispose(list.map((s) => s.tensor)));
    [ta, tb, tc].forEach((t) => t.dispose());
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects a state of another layout', async () => {
    const gan = tinyGan();
    const t = new Trainer(gan);
    const state = await t.getOptimizerState();
    await expect(t.setOptimizerState({ d: state.d })).rejects.toThrow('optimizer state must have exactly the phases d, g, got d.');
    const swapped = { d: state.d, g: state.d };
    await expect(t.setOptimizerState(swapped)).rejects.toThrow(
      "phase 'g' optimizer state entry 1 must be a live tensor named 'g_dense1/kernel/m', got 'd_dense1/kernel/m'.",
    );
    await expect(t.setOptimizerState({ ...state, g: state.g.slice(1) })).rejects.toThrow(
      `phase 'g' optimizer state must hold ${state.g.length} tensors, got ${state.g.length - 1}.`,
    );
    const renamed = { ...state, g: state.g.map((s, k) => (k === 1 ? { ...s, name: 'x/m' } : s)) };
    await expect(t.setOptimizerState(renamed)).rejects.toThrow("phase 'g' optimizer state entry 1 must be a live tensor named 'g_dense1/kernel/m', got 'x/m'.");
    Object.values(state).forEach((list) => tf.dispose(list.map((s) => s.tensor)));
    t.dispose();
    gan.dispose();
  });

  it('Adam matches tf.train.adam with the same epsilon', () => {
    const entries = [{ name: 'w', shape: [3, 2], offset: 0, size: 6 }];
    const mine = tf.variable(tf.tensor2d([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]));
    const theirs = tf.variable(mine.clone());
    const adam = new Adam({ learningRate: 0.01, beta1: 0.5, beta2: 0.999, epsilon: ADAM_EPSILON }, entries);
    const reference = tf.train.adam(0.01, 0.5, 0.999, ADAM_EPSILON);
    for (let k = 0; k < 6; k++) {
      const g = tf.randomNormal([3, 2], 0, 1, 'float32', k);
      adam.apply([mine], [g]);
      reference.applyGradients([{ name: theirs.name, tensor: g }]);
      g.dispose();
    }
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(mine, theirs))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-6);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(mine, tf.tensor2d([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]])))).dataSync()[0])).toBeGreaterThan(0.01);
    adam.dispose();
    reference.dispose();
    tf.dispose([mine, theirs]);
  });
});

describe('reproducible initialisation', () => {
  it('builds the same weights as the process that recorded these hashes', () => {
    // Recorded in another process (tfjs 4.22.0): seeded per-layer initializers make weights a
    // function of (model, options) alone, whatever else the process built before.
    const gan = createModel('mlp-gan', { hidden: [8] });
    const vae = createModel('vae', { hidden: [8] });
    const [tg, tv] = [new Trainer(gan), new Trainer(vae)];
    expect(tg.weightsHash()).toBe('259cac3c0442837c');
    expect(tv.weightsHash()).toBe('410e6bfa34e1c063');
    expect(tg.settings).toEqual({
      loss: 'non-saturating', gpWeight: 0, augment: [], nCritic: 1, lr: 2e-4, lrSchedule: { kind: 'constant' }, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, clipNorm: null, seed: 0,
    });
    const tw = new Trainer(gan, { loss: 'wgan-gp' });
    expect(tw.settings).toMatchObject({ nCritic: 5, gpWeight: 10, lr: 1e-4, beta1: 0, beta2: 0.9 });
    [tg, tv, tw].forEach((t) => t.dispose());
    [gan, vae].forEach((m) => m.dispose());
  });
});

describe('Trainer input errors', () => {
  it('rejects unknown and out-of-range options, naming what is allowed', () => {
    const gan = tinyGan();
    const vae = tinyVae();
    expect(() => new Trainer(gan, { learningRate: 1 } as never)).toThrow(
      "unknown Trainer option 'learningRate' for the gan model mlp-gan; allowed options are: loss, labelSmoothing, gpWeight, nCritic, augment, lr, lrSchedule, beta1, beta2, clipNorm, seed, reducer.",
    );
    expect(() => new Trainer(vae, { loss: 'hinge' } as never)).toThrow(
      "unknown Trainer option 'loss' for the vae model vae; allowed options are: binarize, lr, lrSchedule, beta1, beta2, clipNorm, seed, reducer.",
    );
    expect(() => new Trainer(gan, { lr: 0 })).toThrow("Trainer option 'lr' must be a number in (0, 1], got 0.");
    expect(() => new Trainer(gan, { beta2: 1 })).toThrow("Trainer option 'beta2' must be a number in [0, 1), got 1.");
    expect(() => new Trainer(gan, { loss: 'wasserstein' as never })).toThrow(/'loss' must be one of minimax, non-saturating, lsgan, hinge, wgan-gp/);
    expect(() => new Trainer(gan, { reducer: {} as never })).toThrow(/'reducer' must be an object with a reduce/);
    const gaussian = createModel('vae', { hidden: [4], imageShape: [4, 4, 1], likelihood: 'gaussian' });
    expect(() => new Trainer(gaussian, { binarize: 'dynamic' })).toThrow(/needs a model with likelihood 'bernoulli'/);
    const bn = createModel('dcgan', { width: 2 });
    expect(() => new Trainer(bn, { loss: 'wgan-gp' })).toThrow(/wgan-gp' needs a discriminator without BatchNorm .*normalization: 'none'/);
    [gan, vae, gaussian, bn].forEach((m) => m.dispose());
  });

  it('rejects malformed batches and steps, and a reducer returning the wrong size', async () => {
    const gan = tinyGan();
    const trainer = new Trainer(gan);
    const good = batchAt(gan, 0);
    const wrongShape = tf.zeros([4, 28, 28, 1]) as tf.Tensor4D;
    await expect(trainer.step(0, { images: wrongShape, indices: good.indices })).rejects.toThrow(
      'batch.images must have shape [n, 8, 8, 1] for model mlp-gan, got [4, 28, 28, 1].',
    );
    await expect(trainer.step(0, { images: good.images, indices: range(0, 3) })).rejects.toThrow(/Int32Array of 4 global sample indices/);
    await expect(trainer.step(-1, good)).rejects.toThrow('step must be an integer in [0, 2^32), got -1.');
    const bad = new Trainer(gan, { reducer: { reduce: async () => new Float32Array(1) } });
    await expect(bad.step(0, good)).rejects.toThrow(/the reducer returned 1 values for phase 'd'; it must return a Float32Array of \d+/);
    trainer.dispose();
    await expect(trainer.step(0, good)).rejects.toThrow('this Trainer was disposed; create a new one.');
    tf.dispose([wrongShape, good.images]);
    bad.dispose();
    gan.dispose();
  });
});

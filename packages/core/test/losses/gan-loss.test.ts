// GAN losses against float64 reference formulas, their gradients against finite differences,
// their behaviour at extreme logits, and the per-sample property the distributed runtime needs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGanLoss, ganLossNames, LossInputError } from '../../src/losses/index.js';
import type { GanLoss, GanLossName } from '../../src/losses/index.js';
import { centralDifferences, maxRelativeError, scalarOf } from '../ops/finite-difference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// log(1 + e^x) in float64 without overflow.
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Reference {
  d: (r: number[], f: number[], s: number) => number;
  g: (f: number[]) => number;
}

const reference: Record<GanLossName, Reference> = {
  minimax: {
    d: (r, f, s) => mean(r.map((x) => softplus(x) - (1 - s) * x)) + mean(f.map(softplus)),
    g: (f) => mean(f.map((x) => -softplus(x))), // log(1 - sigmoid(x))
  },
  'non-saturating': {
    d: (r, f, s) => mean(r.map((x) => softplus(x) - (1 - s) * x)) + mean(f.map(softplus)),
    g: (f) => mean(f.map((x) => softplus(-x))), // -log sigmoid(x)
  },
  lsgan: {
    d: (r, f, s) => 0.5 * (mean(r.map((x) => (x - (1 - s)) ** 2)) + mean(f.map((x) => x * x))),
    g: (f) => 0.5 * mean(f.map((x) => (x - 1) ** 2)),
  },
  hinge: {
    d: (r, f) => mean(r.map((x) => Math.max(0, 1 - x))) + mean(f.map((x) => Math.max(0, 1 + x))),
    g: (f) => -mean(f),
  },
  'wgan-gp': {
    d: (r, f) => mean(f) - mean(r),
    g: (f) => -mean(f),
  },
};

// Logits kept >= 0.1 away from the hinge kinks at +-1 so finite differences stay on one side.
const real = [2.3, -0.4, 0.7, 1.6, -2.2];
const fake = [-1.7, 0.3, -0.6, 2.4, -0.2];

function dValue(loss: GanLoss, r: number[], f: number[]): number {
  return scalarOf(() => loss.discriminatorLoss(tf.tensor2d(r, [r.length, 1]), tf.tensor2d(f, [f.length, 1])));
}
function gValue(loss: GanLoss, f: number[]): number {
  return scalarOf(() => loss.generatorLoss(tf.tensor2d(f, [f.length, 1])));
}

describe.each(ganLossNames.map((name) => ({ name })))('$name', ({ name }) => {
  const smoothing = ['minimax', 'non-saturating', 'lsgan'].includes(name) ? 0.1 : 0;
  const loss = createGanLoss(name, smoothing > 0 ? { labelSmoothing: smoothing } : {});
  const ref = reference[name];

  it('matches the float64 reference formula', () => {
    expect(dValue(loss, real, fake)).toBeCloseTo(ref.d(real, fake, smoothing), 5);
    expect(gValue(loss, fake)).toBeCloseTo(ref.g(fake), 5);
  });

  it('has gradients w.r.t. the logits that match central differences', () => {
    const [gr, gf] = tf.grads((r: tf.Tensor, f: tf.Tensor) => loss.discriminatorLoss(r, f))([
      tf.tensor2d(real, [5, 1]),
      tf.tensor2d(fake, [5, 1]),
    ]);
    const gg = tf.grad((f: tf.Tensor) => loss.generatorLoss(f))(tf.tensor2d(fake, [5, 1]));
    const idx = [0, 1, 2, 3, 4];
    const h = 1e-2;
    const numR = centralDifferences((r) => dValue(loss, Array.from(r), fake), Float32Array.from(real), idx, h);
    const numF = centralDifferences((f) => dValue(loss, real, Array.from(f)), Float32Array.from(fake), idx, h);
    const numG = centralDifferences((f) => gValue(loss, Array.from(f)), Float32Array.from(fake), idx, h);
    expect(maxRelativeError(gr!.dataSync(), numR)).toBeLessThan(1e-3);
    expect(maxRelativeError(gf!.dataSync(), numF)).toBeLessThan(1e-3);
    expect(maxRelativeError(gg.dataSync(), numG)).toBeLessThan(1e-3);
    tf.dispose([gr!, gf!, gg]);
  });

  it('stays finite and exact at extreme logits', () => {
    const bigR = [100, -100, 60, -60];
    const bigF = [-100, 100, -60, 60];
    const d = dValue(loss, bigR, bigF);
    const g = gValue(loss, bigF);
    expect(Number.isFinite(d) && Number.isFinite(g)).toBe(true);
    expect(d).toBeCloseTo(ref.d(bigR, bigF, smoothing), 2);
    expect(g).toBeCloseTo(ref.g(bigF), 2);
    const grads = tf.grads((r: tf.Tensor, f: tf.Tensor) => loss.discriminatorLoss(r, f))([
      tf.tensor1d(bigR),
      tf.tensor1d(bigF),
    ]);
    expect(grads.every((t) => Array.from(t.dataSync()).every(Number.isFinite))).toBe(true);
    tf.dispose(grads);
  });

  it('is a mean of per-sample terms: the batch value is the size-weighted mean over shards', () => {
    const whole = dValue(loss, real, fake);
    const shards = (2 * dValue(loss, real.slice(0, 2), fake.slice(0, 2)) + 3 * dValue(loss, real.slice(2), fake.slice(2))) / 5;
    expect(Math.abs(whole - shards)).toBeLessThan(1e-6);
    const wholeG = gValue(loss, fake);
    const shardsG = (2 * gValue(loss, fake.slice(0, 2)) + 3 * gValue(loss, fake.slice(2))) / 5;
    expect(Math.abs(wholeG - shardsG)).toBeLessThan(1e-6);
  });

  it('leaks no tensors', () => {
    const r = tf.tensor2d(real, [5, 1]);
    const f = tf.tensor2d(fake, [5, 1]);
    const before = tf.memory().numTensors;
    tf.dispose([loss.discriminatorLoss(r, f), loss.generatorLoss(f)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([r, f]);
  });
});

describe('createGanLoss', () => {
  it('defaults to 5 critic steps and a penalty weight of 10 for wgan-gp only', () => {
    const w = createGanLoss('wgan-gp');
    expect([w.name, w.nCritic, w.gpWeight]).toEqual(['wgan-gp', 5, 10]);
    const custom = createGanLoss('wgan-gp', { nCritic: 3, gpWeight: 2.5 });
    expect([custom.nCritic, custom.gpWeight]).toEqual([3, 2.5]);
    for (const name of ['minimax', 'non-saturating', 'lsgan', 'hinge'] as const) {
      const l = createGanLoss(name);
      expect([l.nCritic, l.gpWeight]).toEqual([1, 0]);
    }
  });

  it('smooths only the real target of the discriminator', () => {
    const plain = createGanLoss('non-saturating');
    const smooth = createGanLoss('non-saturating', { labelSmoothing: 0.2 });
    expect(gValue(smooth, fake)).toBe(gValue(plain, fake));
    // d/dr of the smoothed term is sigmoid(r) - 0.8 per sample: the optimum moves to sigmoid(r) = 0.8.
    const atOptimum = Math.log(0.8 / 0.2);
    const g = tf.grad((r: tf.Tensor) => smooth.discriminatorLoss(r, tf.tensor1d([0])))(tf.tensor1d([atOptimum]));
    expect(Math.abs(g.dataSync()[0]!)).toBeLessThan(1e-6);
    g.dispose();
  });

  it('saturates as designed: minimax G vanishes where non-saturating G does not', () => {
    const f = tf.tensor1d([-12]);
    const gm = tf.grad((x: tf.Tensor) => createGanLoss('minimax').generatorLoss(x))(f);
    const gn = tf.grad((x: tf.Tensor) => createGanLoss('non-saturating').generatorLoss(x))(f);
    expect(Math.abs(gm.dataSync()[0]!)).toBeLessThan(1e-5);
    expect(gn.dataSync()[0]).toBeCloseTo(-1, 4);
    tf.dispose([f, gm, gn]);
  });

  it('installs the second-order gradients a penalty needs', () => {
    createGanLoss('wgan-gp');
    // The stock Tanh gradient saves the output; the replacement saves the input.
    expect(tf.getGradient('Tanh')?.inputsToSave).toEqual(['x']);
    expect(tf.getGradient('LeakyRelu')?.gradFunc.toString()).toMatch(/step/);
  });

  it('rejects bad names and options with one sentence naming the allowed values', () => {
    expect(() => createGanLoss('wasserstein' as GanLossName)).toThrow(
      /Unknown GAN loss "wasserstein"; allowed: minimax, non-saturating, lsgan, hinge, wgan-gp\./,
    );
    expect(() => createGanLoss('hinge', { margin: 1 } as never)).toThrow(
      /Unknown GAN loss option "margin"; allowed: labelSmoothing, gpWeight, nCritic\./,
    );
    expect(() => createGanLoss('minimax', { labelSmoothing: 1 })).toThrow(/\[0, 1\)/);
    expect(() => createGanLoss('minimax', { labelSmoothing: -0.1 })).toThrow(LossInputError);
    expect(() => createGanLoss('hinge', { labelSmoothing: 0.1 })).toThrow(/only to minimax, non-saturating, lsgan/);
    expect(() => createGanLoss('lsgan', { gpWeight: 10 })).toThrow(/only to wgan-gp/);
    expect(() => createGanLoss('wgan-gp', { gpWeight: Number.NaN })).toThrow(/finite number >= 0/);
    expect(() => createGanLoss('wgan-gp', { nCritic: 0 })).toThrow(/integer >= 1/);
    expect(() => createGanLoss('wgan-gp', { nCritic: 2.5 })).toThrow(/integer >= 1/);
    expect(() => createGanLoss('minimax', null as never)).toThrow(LossInputError);
  });

  it('rejects logits that are not a batch of float32 values', () => {
    const loss = createGanLoss('minimax');
    const ok = tf.zeros([2, 1]);
    const scalar = tf.scalar(1);
    const ints = tf.zeros([2, 1], 'int32');
    expect(() => loss.discriminatorLoss(scalar, ok)).toThrow(/rank >= 1/);
    expect(() => loss.generatorLoss(ints)).toThrow(/float32/);
    expect(() => loss.generatorLoss([1, 2] as never)).toThrow(/must be a tf.Tensor/);
    tf.dispose([ok, scalar, ints]);
  });
});

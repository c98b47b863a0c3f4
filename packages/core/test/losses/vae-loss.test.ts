// vaeLoss against float64 reference formulas, its gradients against finite differences, and its
// behaviour at extreme logits and on shards.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LossInputError, vaeLoss } from '../../src/losses/index.js';
import type { VaeLikelihood } from '../../src/losses/index.js';
import { centralDifferences, maxRelativeError, scalarOf, seededUniform } from '../ops/finite-difference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const n = 3;
const pixels = 4; // images [n, 2, 2, 1]
const latent = 2;
const u = seededUniform(5);
const uniform = (count: number, lo: number, hi: number) => Array.from({ length: count }, () => lo + (hi - lo) * u());
const xs = uniform(n * pixels, 0, 1);
const outs = uniform(n * pixels, -2, 2);
const means = uniform(n * latent, -1.5, 1.5);
const logVars = uniform(n * latent, -2, 1);

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

function referenceTerms(x: number[], out: number[], mu: number[], lv: number[], likelihood: VaeLikelihood) {
  const samples = x.length / pixels;
  let rec = 0;
  for (let i = 0; i < x.length; i++) {
    rec +=
      likelihood === 'bernoulli'
        ? softplus(out[i]!) - x[i]! * out[i]!
        : 0.5 * (x[i]! - out[i]!) ** 2 + 0.5 * Math.log(2 * Math.PI);
  }
  let kl = 0;
  for (let j = 0; j < mu.length; j++) kl += 0.5 * (Math.exp(lv[j]!) + mu[j]! ** 2 - 1 - lv[j]!);
  return { reconstruction: rec / samples, kl: kl / samples };
}

function terms(x: number[], out: number[], mu: number[], lv: number[], beta: number, likelihood: VaeLikelihood) {
  const s = x.length / pixels;
  const r = tf.tidy(() => {
    const t = vaeLoss(
      tf.tensor4d(x, [s, 2, 2, 1]),
      tf.tensor4d(out, [s, 2, 2, 1]),
      tf.tensor2d(mu, [s, latent]),
      tf.tensor2d(lv, [s, latent]),
      { beta, likelihood },
    );
    return tf.stack([t.loss, t.reconstruction, t.kl]);
  });
  const [loss, reconstruction, kl] = Array.from(r.dataSync());
  r.dispose();
  return { loss: loss!, reconstruction: reconstruction!, kl: kl! };
}

describe.each([{ likelihood: 'bernoulli' as const }, { likelihood: 'gaussian' as const }])(
  'vaeLoss ($likelihood)',
  ({ likelihood }) => {
    it('reports reconstruction and KL per sample, in nats, and loss = reconstruction + beta * KL', () => {
      const ref = referenceTerms(xs, outs, means, logVars, likelihood);
      const t = terms(xs, outs, means, logVars, 0.5, likelihood);
      expect(t.reconstruction).toBeCloseTo(ref.reconstruction, 4);
      expect(t.kl).toBeCloseTo(ref.kl, 5);
      expect(t.loss).toBeCloseTo(ref.reconstruction + 0.5 * ref.kl, 4);
    });

    it('has gradients w.r.t. decoder output, mean and logVar that match central differences', () => {
      const beta = 0.7;
      const lossOf = (x: number[], o: number[], m: number[], l: number[]) =>
        scalarOf(
          () =>
            vaeLoss(
              tf.tensor4d(x, [n, 2, 2, 1]),
              tf.tensor4d(o, [n, 2, 2, 1]),
              tf.tensor2d(m, [n, latent]),
              tf.tensor2d(l, [n, latent]),
              { beta, likelihood },
            ).loss,
        );
      const grads = tf.grads((o: tf.Tensor, m: tf.Tensor, l: tf.Tensor) =>
        vaeLoss(tf.tensor4d(xs, [n, 2, 2, 1]), o, m, l, { beta, likelihood }).loss,
      )([tf.tensor4d(outs, [n, 2, 2, 1]), tf.tensor2d(means, [n, latent]), tf.tensor2d(logVars, [n, latent])]);
      const h = 1e-2;
      const all = (k: number) => Array.from({ length: k }, (_, i) => i);
      const numO = centralDifferences((o) => lossOf(xs, Array.from(o), means, logVars), Float32Array.from(outs), all(n * pixels), h);
      const numM = centralDifferences((m) => lossOf(xs, outs, Array.from(m), logVars), Float32Array.from(means), all(n * latent), h);
      const numL = centralDifferences((l) => lossOf(xs, outs, means, Array.from(l)), Float32Array.from(logVars), all(n * latent), h);
      expect(maxRelativeError(grads[0]!.dataSync(), numO)).toBeLessThan(1e-3);
      expect(maxRelativeError(grads[1]!.dataSync(), numM)).toBeLessThan(1e-3);
      expect(maxRelativeError(grads[2]!.dataSync(), numL)).toBeLessThan(1e-3);
      tf.dispose(grads);
    });

    it('is a mean of per-sample terms: the batch value is the size-weighted mean over shards', () => {
      const whole = terms(xs, outs, means, logVars, 1, likelihood).loss;
      const first = terms(xs.slice(0, pixels), outs.slice(0, pixels), means.slice(0, latent), logVars.slice(0, latent), 1, likelihood).loss;
      const rest = terms(xs.slice(pixels), outs.slice(pixels), means.slice(latent), logVars.slice(latent), 1, likelihood).loss;
      expect(Math.abs(whole - (first + 2 * rest) / 3)).toBeLessThan(1e-4);
    });

    it('leaks no tensors', () => {
      const args = [
        tf.tensor4d(xs, [n, 2, 2, 1]),
        tf.tensor4d(outs, [n, 2, 2, 1]),
        tf.tensor2d(means, [n, latent]),
        tf.tensor2d(logVars, [n, latent]),
      ] as const;
      const before = tf.memory().numTensors;
      const t = vaeLoss(...args, { beta: 1, likelihood });
      expect(tf.memory().numTensors).toBe(before + 3);
      tf.dispose([t.loss, t.reconstruction, t.kl]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...args]);
    });
  },
);

describe('vaeLoss edge cases', () => {
  it('is exact and finite for Bernoulli logits of +-80 (no sigmoid rounded to 0 or 1)', () => {
    const x = [1, 0, 1, 0];
    const logits = [80, -80, -80, 80]; // right, right, wrong, wrong: 0 + 0 + 80 + 80
    const t = terms(x, logits, [0, 0], [0, 0], 1, 'bernoulli');
    expect(t.reconstruction).toBeCloseTo(160, 3);
    expect(t.kl).toBe(0);
  });

  it('has zero KL exactly at the prior (mean 0, logVar 0)', () => {
    expect(terms(xs, outs, new Array(n * latent).fill(0), new Array(n * latent).fill(0), 1, 'gaussian').kl).toBe(0);
  });

  it('rejects mismatched shapes and bad options with one clear sentence', () => {
    const x = tf.zeros([2, 2, 2, 1]);
    const z = tf.zeros([2, 3]);
    expect(() => vaeLoss(x, tf.zeros([2, 4]), z, z, { beta: 1, likelihood: 'bernoulli' })).toThrow(/same shape/);
    expect(() => vaeLoss(x, x, z, tf.zeros([2, 2]), { beta: 1, likelihood: 'bernoulli' })).toThrow(LossInputError);
    expect(() => vaeLoss(x, x, tf.zeros([3, 3]), tf.zeros([3, 3]), { beta: 1, likelihood: 'bernoulli' })).toThrow(
      /same number of samples/,
    );
    expect(() => vaeLoss(x, x, z, z, { beta: -1, likelihood: 'bernoulli' })).toThrow(/beta must be a finite number >= 0/);
    expect(() => vaeLoss(x, x, z, z, { beta: 1, likelihood: 'laplace' as never })).toThrow(
      /likelihood must be one of bernoulli, gaussian/,
    );
    tf.dispose([x, z]);
  });
});

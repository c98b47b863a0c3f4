import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { loadDataset, type Dataset } from '../../src/data/index.js';
import { EvalInputError, evaluateVae } from '../../src/eval/index.js';
import { createModel, type VaeModel } from '../../src/models/index.js';

const LN2 = Math.log(2);
const softplus = (x: number): number => Math.log1p(Math.exp(x));

/**
 * A VAE whose networks ignore their inputs: q(z|x) = N(meanBias, exp(logVarBias)) for every x
 * and decoder logits `logit` for every pixel, so every bound has a closed form.
 */
function constantVae(latentDim: number, meanBias: number, logVarBias: number, logit: number): VaeModel {
  const constantDense = (units: number, bias: number, name: string) =>
    tf.layers.dense({ units, name, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: bias }) });
  const x = tf.input({ shape: [28, 28, 1] });
  const flat = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const encoder = tf.model({
    inputs: x,
    outputs: [constantDense(latentDim, meanBias, 'mean').apply(flat) as tf.SymbolicTensor, constantDense(latentDim, logVarBias, 'logvar').apply(flat) as tf.SymbolicTensor],
  });
  const z = tf.input({ shape: [latentDim] });
  const logits = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(constantDense(784, logit, 'logits').apply(z)) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: z, outputs: logits });
  return {
    family: 'vae', name: 'vae', latentDim, imageShape: [28, 28, 1], beta: 4, likelihood: 'bernoulli', encoder, decoder, options: {},
    subModels: () => ({ encoder, decoder }),
    dispose: () => { encoder.dispose(); decoder.dispose(); },
  };
}

let mnist: Dataset;
beforeAll(async () => {
  await initBackend('wasm');
  mnist = await loadDataset('mnist');
});

describe('evaluateVae bounds in closed form', () => {
  it('is exactly −784 ln 2 for a decoder of coin flips and a posterior equal to the prior, whatever β was', async () => {
    const model = constantVae(3, 0, 0, 0);
    const images = mnist.test.batch(Int32Array.from({ length: 20 }, (_, i) => i * 50));
    const r = await evaluateVae(model, images, { k: 8, batchSize: 7 });
    images.dispose();
    model.dispose();
    expect(r.count).toBe(20);
    expect(r.binarized).toBe(true);
    expect(r.kl).toBeCloseTo(0, 6);
    // float32 sums of 784 pixel terms: ~1e-3 nats of rounding.
    expect(r.elbo).toBeCloseTo(-784 * LN2, 2);
    expect(r.iwae).toBeCloseTo(-784 * LN2, 2); // every importance weight is p(x)
    expect(r.k).toBe(8);
  });

  it('puts IWAE between the ELBO and log p(x), approaching log p(x) as k grows', async () => {
    // q = N(1, I) against the prior N(0, I) in 2 dims: KL = 1, so ELBO = −784 ln 2 − 1, while
    // p(x) = 2^−784 exactly because the decoder ignores z. IWAE_k = log p(x) + E log mean_j r_j
    // with E r = 1 and var r = e² − 1: its gap shrinks like (e² − 1)/(2k) = 0.025 at k = 128.
    const model = constantVae(2, 1, 0, 0);
    const images = mnist.test.batch(Int32Array.from({ length: 100 }, (_, i) => i));
    const small = await evaluateVae(model, images, { k: 2, seed: 5 });
    const large = await evaluateVae(model, images, { k: 128, seed: 5 });
    images.dispose();
    model.dispose();
    const logPx = -784 * LN2;
    expect(small.kl).toBeCloseTo(1, 5);
    expect(small.elbo).toBeCloseTo(logPx - 1, 2);
    expect(small.iwae!).toBeGreaterThan(small.elbo + 0.2);
    expect(large.iwae!).toBeGreaterThan(small.iwae! + 0.2);
    expect(large.iwae!).toBeLessThan(logPx + 0.05);
    expect(Math.abs(large.iwae! - logPx)).toBeLessThan(0.12);
  });

  it('binarises grey images once: the number of lit pixels is an integer and the same on every call', async () => {
    // Decoder logit 2 everywhere: −log p(x|z) = 784·softplus(2) − 2·(lit pixels).
    const model = constantVae(2, 0, 0, 2);
    const grey = tf.fill([1, 28, 28, 1], 0.3) as tf.Tensor4D;
    const lit = (r: { reconstruction: number }) => (784 * softplus(2) - r.reconstruction) / 2;
    const a = await evaluateVae(model, grey, { seed: 11 });
    const b = await evaluateVae(model, grey, { seed: 11 });
    const c = await evaluateVae(model, grey, { seed: 12 });
    grey.dispose();
    model.dispose();
    expect(Math.abs(lit(a) - Math.round(lit(a)))).toBeLessThan(0.02); // 0.3 × 784 = 235.2 if not binarised
    expect(Math.abs(lit(a) - 235.2)).toBeLessThan(4 * Math.sqrt(784 * 0.3 * 0.7));
    expect(b.reconstruction).toBe(a.reconstruction);
    expect(Math.round(lit(c))).not.toBe(Math.round(lit(a)));
  });
});

describe('evaluateVae on a real model', () => {
  it('gives IWAE ≥ ELBO on MNIST test images, independent of batch size, without leaking tensors', async () => {
    const model = createModel('vae', { latentDim: 8, hidden: [64], seed: 1 }) as VaeModel;
    const images = mnist.test.batch(Int32Array.from({ length: 300 }, (_, i) => i * 6));
    const before = tf.memory().numTensors;
    const r1 = await evaluateVae(model, images, { k: 16, seed: 2, batchSize: 300 });
    const r2 = await evaluateVae(model, images, { k: 16, seed: 2, batchSize: 110 });
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    model.dispose();
    expect(r1.count).toBe(300);
    expect(r1.elbo).toBeLessThan(0);
    expect(r1.elbo).toBeCloseTo(-(r1.reconstruction + r1.kl), 9);
    expect(r1.iwae!).toBeGreaterThan(r1.elbo);
    expect(r2.elbo).toBeCloseTo(r1.elbo, 3);
    expect(r2.iwae!).toBeCloseTo(r1.iwae!, 3);
  });

  it('scores a Gaussian-likelihood model on grey levels (no binarisation)', async () => {
    const model = createModel('vae', { latentDim: 4, hidden: [32], likelihood: 'gaussian', seed: 3 }) as VaeModel;
    const images = mnist.test.batch(Int32Array.from({ length: 50 }, (_, i) => i));
    const r = await evaluateVae(model, images, { k: 8 });
    images.dispose();
    model.dispose();
    expect(r.binarized).toBe(false);
    expect(r.reconstruction).toBeGreaterThan(784 * 0.5 * Math.log(2 * Math.PI)); // ≥ the N(μ,1) constant
    expect(r.iwae!).toBeGreaterThan(r.elbo);
  });

  it('refuses wrong shapes, values outside [0,1], GAN models and bad k with EvalInputError', async () => {
    const model = constantVae(2, 0, 0, 0);
    const small = tf.zeros([2, 14, 14, 1]) as tf.Tensor4D;
    const signed = tf.fill([2, 28, 28, 1], -1) as tf.Tensor4D;
    await expect(evaluateVae(model, small)).rejects.toThrow(/28x28x1/);
    await expect(evaluateVae(model, signed)).rejects.toThrow(/\[0,1\]/);
    await expect(evaluateVae(model, mnist.test, { k: -1 })).rejects.toThrow(EvalInputError);
    const gan = createModel('mlp-gan', {});
    await expect(evaluateVae(gan as unknown as VaeModel, mnist.test)).rejects.toThrow(/VAE model/);
    gan.dispose();
    tf.dispose([small, signed]);
    model.dispose();
  });
});

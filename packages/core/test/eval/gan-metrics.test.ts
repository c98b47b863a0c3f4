import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { isInputError } from '../../src/input-error.js';
import { EpochSampler, loadDataset, type Dataset } from '../../src/data/index.js';
import { EvalInputError, GanEvaluator, computeGanMetrics, loadEvalClassifier } from '../../src/eval/index.js';

// Real shipped classifier, real MNIST test split, small counts: each evaluation embeds a few
// hundred 28×28 images through a 109k-parameter MLP, milliseconds on wasm.
const COUNT = 400;
const SEED = 3;

let mnist: Dataset;
let evaluator: GanEvaluator;
let tensorsAfterCreate: number;

beforeAll(async () => {
  await initBackend('wasm');
  mnist = await loadDataset('mnist');
  evaluator = await GanEvaluator.create({ dataset: mnist, count: COUNT, seed: SEED, batchSize: 128 });
  tensorsAfterCreate = tf.memory().numTensors;
});

afterAll(() => {
  evaluator?.dispose();
});

/** A generator replaying fixed test images with Gaussian pixel noise of std `sigma`, clipped to [0,1]. */
function noisyReplay(indices: Int32Array, sigma: number) {
  return (n: number, start: number) =>
    tf.tidy(() => {
      const images = mnist.test.batch(indices.subarray(start, start + n));
      if (sigma === 0) return images;
      return tf.clipByValue(tf.add(images, tf.randomNormal(images.shape, 0, sigma, 'float32', 7 + start)), 0, 1);
    });
}

describe('GanEvaluator on mnist', () => {
  it('uses two disjoint real sets of `count` test images', () => {
    expect(evaluator.referenceIndices.length).toBe(COUNT);
    expect(evaluator.floorIndices.length).toBe(COUNT);
    const a = new Set(evaluator.referenceIndices);
    expect(evaluator.floorIndices.some((i) => a.has(i))).toBe(false);
  });

  it('scores the reference set against itself as FID 0, with the real classifier score', async () => {
    const m = await evaluator.evaluate(noisyReplay(evaluator.referenceIndices, 0));
    expect(m.fid).toBeLessThan(1e-6);
    expect(m.classifierScore).toBeCloseTo(m.realClassifierScore, 10);
    expect(m.classHistogram).toEqual(m.realClassHistogram);
  });

  it('has a small positive floor and a real classifier score near 10 with every class present', async () => {
    const m = await evaluator.evaluate(noisyReplay(evaluator.floorIndices, 0));
    expect(m.fid).toBeCloseTo(evaluator.floorFid, 10); // set B against A is exactly the floor
    expect(m.floorFid).toBeGreaterThan(0);
    expect(m.realClassifierScore).toBeGreaterThan(7);
    expect(m.realClassifierScore).toBeLessThanOrEqual(10);
    expect(m.realClassHistogram.every((c) => c > 15)).toBe(true);
    expect(m.realClassHistogram.reduce((s, c) => s + c, 0)).toBe(COUNT);
    expect(m.featureDim).toBe(64);
    expect(m.classifierAccuracy).toBeGreaterThan(0.9);
  });

  it('rises monotonically with the amount of pixel noise', async () => {
    const fids: number[] = [];
    for (const sigma of [0, 0.1, 0.25, 0.5]) {
      fids.push((await evaluator.evaluate(noisyReplay(evaluator.floorIndices, sigma))).fid);
    }
    for (let i = 1; i < fids.length; i++) expect(fids[i]).toBeGreaterThan(fids[i - 1]);
    expect(fids[3]).toBeGreaterThan(5 * fids[0]);
  });

  it('rises far above the floor when half the classes are missing, which the histogram shows', async () => {
    // Fresh images (TRAIN split, as a generator's are new), in a seeded random order: the split
    // keeps the source's class-sorted order, so its first images are all zeros.
    const labels = mnist.train.labels!;
    const shuffled = new EpochSampler({ count: mnist.train.count, globalBatch: mnist.train.count, seed: 9 }).window(0, 0);
    const fresh = shuffled.slice(0, COUNT); // all classes
    const lowDigits = shuffled.filter((i) => labels[i] <= 4).slice(0, COUNT); // digits 0–4 only
    const half = await evaluator.evaluate((n, start) => mnist.train.batch(lowDigits.subarray(start, start + n)));
    const full = await evaluator.evaluate((n, start) => mnist.train.batch(fresh.subarray(start, start + n)));
    expect(full.fid).toBeLessThan(3 * evaluator.floorFid);
    expect(half.fid).toBeGreaterThan(5 * evaluator.floorFid);
    expect(half.fid).toBeGreaterThan(3 * full.fid);
    const highShare = half.classHistogram.slice(5).reduce((s, c) => s + c, 0) / COUNT;
    expect(highShare).toBeLessThan(0.05);
    expect(half.classifierScore).toBeGreaterThanOrEqual(1);
    expect(half.classifierScore).toBeLessThan(5.5); // ≈ 5 classes at most
    expect(full.classifierScore).toBeGreaterThan(half.classifierScore + 2);
  });

  it('reports a collapsed generator with score ≈ 1 and one full histogram bin', async () => {
    const one = mnist.test.batch([evaluator.referenceIndices[0]]);
    const m = await evaluator.evaluate((n) => tf.tile(one, [n, 1, 1, 1]));
    one.dispose();
    expect(m.classifierScore).toBeCloseTo(1, 6);
    expect(Math.max(...m.classHistogram)).toBe(COUNT);
    expect(m.fid).toBeGreaterThan(10 * evaluator.floorFid);
  });

  it('accepts Float32Array output and refuses images outside [0,1] or of the wrong size', async () => {
    const fromArray = await evaluator.evaluate(async (n, start) => {
      const t = mnist.test.batch(evaluator.referenceIndices.subarray(start, start + n));
      const data = (await t.data()) as Float32Array;
      t.dispose();
      return data;
    });
    expect(fromArray.fid).toBeLessThan(1e-6);
    await expect(evaluator.evaluate((n) => tf.fill([n, 28, 28, 1], -0.5))).rejects.toThrow(/\[0,1\].*\(x \+ 1\) \/ 2/);
    await expect(evaluator.evaluate((n) => new Float32Array(n * 10))).rejects.toThrow(EvalInputError);
    await expect(evaluator.evaluate((n) => tf.zeros([n, 14, 14, 1]))).rejects.toThrow(/shape/);
  });

  it('leaks no tensors across evaluations, including refused ones', () => {
    // Everything above has run; computeGanMetrics below checks that dispose() frees the rest.
    expect(tf.memory().numTensors).toBe(tensorsAfterCreate);
  });
});

describe('computeGanMetrics', () => {
  it('prepares, scores and frees in one call', async () => {
    const before = tf.memory().numTensors;
    const m = await computeGanMetrics({
      dataset: mnist,
      count: 200,
      seed: 1,
      generate: (n, start) => mnist.train.batch(Int32Array.from({ length: n }, (_, i) => start + i)),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(m.count).toBe(200);
    expect(m.fid).toBeGreaterThan(0);
    expect(m.floorFid).toBeGreaterThan(0);
    // FID is biased upward at small n: 200 samples give a higher floor than 400.
    expect(m.floorFid).toBeGreaterThan(evaluator.floorFid);
  });

  it('refuses a count the test split cannot cover twice and datasets without a classifier', async () => {
    const generate = (n: number) => tf.zeros([n, 28, 28, 1]);
    await expect(computeGanMetrics({ dataset: mnist, count: 1001, generate })).rejects.toThrow(/count ≤ 1000/);
    await expect(computeGanMetrics({ dataset: { ...mnist, name: 'cifar10' }, count: 10, generate })).rejects.toThrow(
      /No evaluation classifier ships for dataset 'cifar10'/,
    );
    await expect(computeGanMetrics({ dataset: 'idx:/nonexistent', count: 10, generate })).rejects.toThrow(EvalInputError);
    const missing = computeGanMetrics({ dataset: mnist, count: 10, generate, classifierDir: '/nonexistent-dgm-classifier' });
    await expect(missing).rejects.toThrow(/Could not load the mnist evaluation classifier from \/nonexistent-dgm-classifier/);
    await missing.catch((error: unknown) => expect(isInputError(error)).toBe(true));
  });
});

describe('shipped fashion-mnist classifier', () => {
  it('loads with stock tf.loadLayersModel and classifies the fashion test split as info.json says', async () => {
    const fashion = await loadDataset('fashion-mnist');
    const classifier = await loadEvalClassifier('fashion-mnist');
    try {
      expect(classifier.info.split).toBe('train');
      expect(classifier.info.testCount).toBe(fashion.test.count);
      const indices = Int32Array.from({ length: 1000 }, (_, i) => i * 10);
      const images = fashion.test.batch(indices);
      const { features, probabilities } = await classifier.embed(images);
      images.dispose();
      expect(features.length).toBe(1000 * classifier.featureDim);
      let correct = 0;
      for (let i = 0; i < 1000; i++) {
        const row = probabilities.subarray(i * 10, i * 10 + 10);
        if (row.indexOf(Math.max(...row)) === fashion.test.labels![indices[i]]) correct++;
      }
      // A tenth of the test split: within a few points of the recorded full-split accuracy.
      expect(Math.abs(correct / 1000 - classifier.info.accuracy)).toBeLessThan(0.04);
    } finally {
      classifier.dispose();
    }
  });
});

// gradientPenalty: its value on critics whose input gradient is known in closed form, and its
// gradient with respect to the weights of every critic dgm ships, against finite differences.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientPenalty, LossInputError } from '../../src/losses/index.js';
import {
  centralDifferences,
  directionalDifference,
  maxRelativeError,
  scalarOf,
  seededUniform,
} from '../ops/finite-difference.js';
import {
  assignFlatWeights,
  convCritic,
  flatWeights,
  mlpCritic,
  penaltyGradient,
  shippedCritic,
  smoothActivationCritic,
  trainableVariables,
} from './critics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const u = seededUniform(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * u());
}

function images(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(randomArray(shape.reduce((a, b) => a * b), seed), shape);
}

describe('gradientPenalty value', () => {
  // critic(x)_i = 0.5 * ||x_i||^2 has input gradient x_i, so the penalty is mean_i (||x̂_i|| - 1)^2.
  const halfSquaredNorm = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(x), [1, 2, 3]));
  const real = [0.9, -0.2, 0.4, 0.1, 0.3, 0.8, -0.5, 0.2, 0.05, 0.0, 0.7, -0.6];
  const fake = [0.1, 0.3, -0.6, 0.2, -0.9, 0.4, 0.1, 0.6, 0.5, -0.3, 0.2, 0.2];
  const alpha = [0.25, 0.5, 0.9];

  function expected(): number {
    let total = 0;
    for (let i = 0; i < 3; i++) {
      let sq = 0;
      for (let j = 0; j < 4; j++) {
        const k = i * 4 + j;
        const mixed = alpha[i]! * real[k]! + (1 - alpha[i]!) * fake[k]!;
        sq += mixed * mixed;
      }
      total += (Math.sqrt(sq) - 1) ** 2;
    }
    return total / 3;
  }

  for (const alphaShape of [[3], [3, 1], [3, 1, 1, 1]]) {
    it(`mixes per sample and matches the closed form (alpha shaped [${alphaShape.join(', ')}])`, () => {
      const value = scalarOf(() =>
        gradientPenalty(
          halfSquaredNorm,
          tf.tensor4d(real, [3, 2, 2, 1]),
          tf.tensor4d(fake, [3, 2, 2, 1]),
          tf.tensor(alpha, alphaShape),
        ),
      );
      expect(Math.abs(value - expected())).toBeLessThan(1e-6);
    });
  }

  it('is 1 with a finite gradient when the critic is flat (the epsilon under the square root)', () => {
    const w = tf.variable(tf.zeros([4]));
    const flat = (x: tf.Tensor) => tf.sum(tf.mul(tf.reshape(x, [-1, 4]), w), 1);
    const x = images([2, 2, 2, 1], 7);
    const { value, grads } = tf.variableGrads(() => gradientPenalty(flat, x, x, tf.ones([2])), [w]);
    expect(value.dataSync()[0]).toBeCloseTo(1, 5);
    expect(Array.from(grads[w.name]!.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([w, x, value, grads[w.name]!]);
  });

  it('is a mean of per-sample terms: a batch equals the size-weighted mean of its shards', () => {
    const critic = mlpCritic();
    const real4 = images([5, 4, 4, 1], 11);
    const fake4 = images([5, 4, 4, 1], 12);
    const a = tf.tensor1d([0.1, 0.7, 0.4, 0.95, 0.3]);
    const f = (x: tf.Tensor) => critic.apply(x) as tf.Tensor;
    const all = scalarOf(() => gradientPenalty(f, real4, fake4, a));
    const shard = (start: number, size: number) =>
      scalarOf(() =>
        gradientPenalty(f, real4.slice(start, size), fake4.slice(start, size), a.slice(start, size)),
      );
    expect(Math.abs(all - (2 * shard(0, 2) + 3 * shard(2, 3)) / 5)).toBeLessThan(1e-6 * Math.max(1, all));
    tf.dispose([real4, fake4, a]);
    critic.dispose();
  });

  it('rejects mismatched inputs with one clear sentence', () => {
    tf.tidy(() => {
      const id = (x: tf.Tensor) => tf.sum(x, [1, 2, 3]);
      const x = tf.zeros([2, 2, 2, 1]);
      expect(() => gradientPenalty(id, x, tf.zeros([2, 2, 2, 2]), tf.ones([2]))).toThrow(LossInputError);
      expect(() => gradientPenalty(id, x, x, tf.ones([3]))).toThrow(/one value per sample/);
      expect(() => gradientPenalty(id, x, x, tf.ones([2, 2]))).toThrow(/one value per sample/);
      expect(() => gradientPenalty(id, x, x, tf.ones([2], 'int32'))).toThrow(/float32/);
    });
  });
});

interface CriticCase {
  name: string;
  build: () => tf.LayersModel;
  imageShape: [number, number, number];
}

const critics: CriticCase[] = [
  { name: 'MLP critic (Dense + LeakyReLU)', build: mlpCritic, imageShape: [4, 4, 1] },
  { name: 'DCGAN critic (Conv2D k4 s2 + LeakyReLU x2, Dense)', build: convCritic, imageShape: [8, 8, 1] },
  { name: 'Dense tanh/elu/sigmoid critic', build: smoothActivationCritic, imageShape: [4, 4, 1] },
  // The discriminators createModel ships, narrowed so finite differences stay cheap.
  {
    name: "shipped mlp-gan discriminator (createModel, hidden [6])",
    build: () => shippedCritic('mlp-gan', { imageShape: [4, 4, 1], hidden: [6] }),
    imageShape: [4, 4, 1],
  },
];

describe.each(critics)('gradientPenalty w.r.t. the weights of the $name', ({ build, imageShape }) => {
  const n = 3;
  let model: tf.LayersModel;
  let real: tf.Tensor4D;
  let fake: tf.Tensor4D;
  let alpha: tf.Tensor;
  const penalty = () => gradientPenalty((x) => model.apply(x) as tf.Tensor, real, fake, alpha);

  beforeAll(() => {
    model = build();
    real = images([n, ...imageShape], 21);
    fake = images([n, ...imageShape], 22);
    alpha = tf.tensor2d([0.2, 0.55, 0.85], [n, 1]);
    return () => {
      model.dispose();
      tf.dispose([real, fake, alpha]);
    };
  });

  const analyticGradient = () => penaltyGradient(model, real, fake, alpha);

  // The penalty at other weights; restores the model's weights afterwards.
  function penaltyAt(w0: Float32Array) {
    return (w: Float32Array) => {
      assignFlatWeights(model, w);
      const p = scalarOf(penalty);
      assignFlatWeights(model, w0);
      return p;
    };
  }

  it('matches central differences on coordinates of every weight tensor', () => {
    const w0 = flatWeights(model);
    const analytic = analyticGradient();
    // Up to 6 coordinates from each weight tensor, spread over it.
    const coords: number[] = [];
    let offset = 0;
    for (const v of trainableVariables(model)) {
      const picks = Math.min(6, v.size);
      for (let k = 0; k < picks; k++) coords.push(offset + Math.floor(((k + 0.5) * v.size) / picks));
      offset += v.size;
    }
    const numeric = centralDifferences(penaltyAt(w0), w0, coords, 1e-3);
    const err = maxRelativeError(
      coords.map((i) => analytic[i]!),
      numeric,
    );
    expect(err).toBeLessThan(2e-3);
  });

  it('matches central differences along random directions through all weights at once', () => {
    const w0 = flatWeights(model);
    const analytic = analyticGradient();
    for (const seed of [31, 32]) {
      const dir = randomArray(w0.length, seed);
      const numeric = directionalDifference(penaltyAt(w0), w0, dir, 1e-3);
      const predicted = analytic.reduce((s, g, i) => s + g * dir[i]!, 0);
      expect(Math.abs(predicted - numeric)).toBeLessThan(2e-3 * Math.abs(numeric));
    }
  });

  it('leaks no tensors', () => {
    analyticGradient();
    const before = tf.memory().numTensors;
    analyticGradient();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same gradient after a round trip through stock tf.loadLayersModel', async () => {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const original = analyticGradient();
    const saved = model;
    model = loaded;
    try {
      expect(Array.from(analyticGradient())).toEqual(Array.from(original));
    } finally {
      model = saved;
      loaded.dispose();
    }
  });
});

// The shipped dcgan critic only takes 28x28 or 32x32 images, so its thousands of LeakyReLU units
// put kinks (where the penalty's weight gradient jumps) within any useful finite-difference step
// of some coordinates: a plain central difference there measures the jump, not the gradient. So
// each coordinate is checked only where its forward and backward differences agree (no kink in
// [w - h, w + h]); most coordinates qualify, and those must match the analytic gradient.
describe("gradientPenalty w.r.t. the weights of the shipped dcgan discriminator (createModel, normalization 'none', width 2)", () => {
  it('matches one-sided differences wherever no LeakyReLU kink lies within the step', () => {
    // Weights x3 so the penalty's slope stands well above float32 rounding (init is N(0, 0.02)).
    const model = shippedCritic('dcgan', { normalization: 'none', width: 2 }, 3);
    const real = images([3, 28, 28, 1], 21);
    const fake = images([3, 28, 28, 1], 22);
    const alpha = tf.tensor2d([0.2, 0.55, 0.85], [3, 1]);
    try {
      const w0 = flatWeights(model);
      const analytic = penaltyGradient(model, real, fake, alpha);
      const at = (w: Float32Array) => {
        assignFlatWeights(model, w);
        return scalarOf(() => gradientPenalty((x) => model.apply(x) as tf.Tensor, real, fake, alpha));
      };
      const p0 = at(w0);
      const h = 1e-3;
      const checked: { analytic: number; numeric: number }[] = [];
      let offset = 0;
      for (const v of trainableVariables(model)) {
        const picks = Math.min(12, v.size);
        for (let k = 0; k < picks; k++) {
          const i = offset + Math.floor(((k + 0.5) * v.size) / picks);
          const shifted = Float32Array.from(w0);
          shifted[i] = w0[i]! + h;
          const forward = (at(shifted) - p0) / h;
          shifted[i] = w0[i]! - h;
          const backward = (p0 - at(shifted)) / h;
          if (Math.abs(forward - backward) <= 0.05 * Math.max(Math.abs(forward), Math.abs(backward), 1e-2)) {
            checked.push({ analytic: analytic[i]!, numeric: (forward + backward) / 2 });
          }
        }
        offset += v.size;
      }
      assignFlatWeights(model, w0);
      const total = trainableVariables(model).reduce((n, v) => n + Math.min(12, v.size), 0);
      expect(checked.length).toBeGreaterThan(total / 2);
      const err = maxRelativeError(
        checked.map((c) => c.analytic),
        checked.map((c) => c.numeric),
      );
      expect(err).toBeLessThan(2e-2);
    } finally {
      model.dispose();
      tf.dispose([real, fake, alpha]);
    }
  });
});

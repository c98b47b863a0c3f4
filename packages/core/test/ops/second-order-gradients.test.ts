// Second-order gradients through the kernels registerSecondOrderGradients replaces, checked
// against finite differences of (correct) first-order gradients. The first block documents the
// stock tfjs 4.22 failure for each kernel, which is also proof that the check can fail; the
// second shows the replacements fix it without changing first-order values.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSecondOrderGradients, secondOrderGradientKernels } from '../../src/ops/index.js';
import { maxRelativeError } from './finite-difference.js';
import { cases, firstOrder, numericSecondOrder, secondOrder, take } from './second-order-cases.js';

const stockFirstOrder = new Map<string, Float32Array>();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('stock tfjs 4.22 second-order gradients (why ops/ replaces them)', () => {
  for (const k of cases) {
    it(`${k.kernel}: ${k.stock === 'wrong' ? 'silently wrong' : 'throws'}`, () => {
      stockFirstOrder.set(k.kernel, firstOrder(k.op));
      if (k.stock === 'throws') {
        expect(() => secondOrder(k.op)).toThrow(/gradient function not found/);
      } else {
        expect(maxRelativeError(secondOrder(k.op), numericSecondOrder(k.op))).toBeGreaterThan(0.1);
      }
    });
  }
});

describe('registerSecondOrderGradients', () => {
  beforeAll(() => registerSecondOrderGradients());

  it('covers every kernel in the table above and nothing unexpected', () => {
    expect([...secondOrderGradientKernels].sort()).toEqual(cases.map((k) => k.kernel).sort());
  });

  for (const k of cases) {
    it(`${k.kernel}: second order matches finite differences, first order unchanged`, () => {
      expect(maxRelativeError(secondOrder(k.op), numericSecondOrder(k.op))).toBeLessThan(2e-3);
      // Same values bit for bit (a zero may change sign: 0 * -c against where()'s literal 0).
      const plusZero = (a: Float32Array) => Array.from(a, (e) => e + 0);
      expect(plusZero(firstOrder(k.op))).toEqual(plusZero(stockFirstOrder.get(k.kernel) as Float32Array));
    });
  }

  it('pure second derivatives of tanh, sigmoid and exp match their closed forms', () => {
    const xs = [-2, -0.5, 0.3, 1.7];
    const second = (f: (t: tf.Tensor) => tf.Tensor) =>
      Array.from(take(tf.tidy(() => tf.grad(tf.grad((t: tf.Tensor) => f(t)))(tf.tensor1d(xs)))));
    const tanh2 = xs.map((t) => -2 * Math.tanh(t) * (1 - Math.tanh(t) ** 2));
    const sig = (t: number) => 1 / (1 + Math.exp(-t));
    const sigmoid2 = xs.map((t) => sig(t) * (1 - sig(t)) * (1 - 2 * sig(t)));
    expect(maxRelativeError(second(tf.tanh), tanh2)).toBeLessThan(1e-5);
    expect(maxRelativeError(second(tf.sigmoid), sigmoid2)).toBeLessThan(1e-5);
    expect(maxRelativeError(second(tf.exp), xs.map(Math.exp))).toBeLessThan(1e-5);
  });

  it('maximum and minimum reduce broadcast gradients to each input shape', () => {
    const a = tf.tensor2d([[1, -2, 3], [0.5, 4, -1]]);
    const bRow = tf.tensor1d([0, 1, 2]);
    const [gaMax, gbMax] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.maximum(p, q)))([a, bRow]);
    const [gaMin, gbMin] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.minimum(p, q)))([a, bRow]);
    expect(gaMax!.arraySync()).toEqual([[1, 0, 1], [1, 1, 0]]);
    expect(gbMax!.arraySync()).toEqual([0, 1, 1]);
    expect(gaMin!.arraySync()).toEqual([[0, 1, 0], [0, 0, 1]]);
    expect(gbMin!.arraySync()).toEqual([2, 1, 1]);
    tf.dispose([a, bRow, gaMax!, gbMax!, gaMin!, gbMin!]);
  });

  it('is idempotent and keeps the same gradient configs installed', () => {
    const before = secondOrderGradientKernels.map((k) => tf.getGradient(k));
    registerSecondOrderGradients();
    registerSecondOrderGradients();
    expect(secondOrderGradientKernels.map((k) => tf.getGradient(k))).toEqual(before);
    expect(before.every((g) => g !== undefined)).toBe(true);
  });

  it('leaks no tensors through a second-order pass', () => {
    secondOrder(cases[0]!.op);
    const before = tf.memory().numTensors;
    for (const k of cases) secondOrder(k.op);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// The same second-order checks as second-order-gradients.test.ts, on the wasm backend dgm uses by
// default (gradient configs are backend-independent, but the kernels they call are not).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { registerSecondOrderGradients } from '../../src/ops/index.js';
import { maxRelativeError } from './finite-difference.js';
import { cases, numericSecondOrder, secondOrder } from './second-order-cases.js';

beforeAll(async () => {
  await initBackend('wasm');
  registerSecondOrderGradients();
});

describe('registerSecondOrderGradients on wasm', () => {
  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  for (const k of cases) {
    it(`${k.kernel}: second order matches finite differences`, () => {
      expect(maxRelativeError(secondOrder(k.op), numericSecondOrder(k.op))).toBeLessThan(2e-3);
    });
  }
});

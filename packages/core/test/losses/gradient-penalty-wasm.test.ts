// The penalty's weight gradient for the shipped critics on wasm (dgm's default backend, with the
// backend area's Conv2DBackpropFilter/Input kernels) against the cpu backend's, which
// gradient-penalty.test.ts checks against finite differences.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { maxRelativeError, seededUniform } from '../ops/finite-difference.js';
import { convCritic, mlpCritic, penaltyGradient } from './critics.js';

function images(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const u = seededUniform(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => 2 * u() - 1), shape);
}

const critics = [
  { name: 'MLP critic', build: mlpCritic, imageShape: [4, 4, 1] as [number, number, number] },
  { name: 'DCGAN critic', build: convCritic, imageShape: [8, 8, 1] as [number, number, number] },
];

describe('gradientPenalty on wasm', () => {
  const cpuGrads = new Map<string, Float32Array>();
  const models = new Map<string, tf.LayersModel>();
  const inputs = new Map<string, tf.Tensor[]>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const c of critics) {
      const model = c.build();
      const batch = [images([3, ...c.imageShape], 41), images([3, ...c.imageShape], 42), tf.tensor1d([0.3, 0.6, 0.9])];
      models.set(c.name, model);
      inputs.set(c.name, batch);
      cpuGrads.set(c.name, penaltyGradient(model, batch[0]!, batch[1]!, batch[2]!));
    }
    // Tensors made above move to wasm on first use.
    await initBackend('wasm');
  });

  afterAll(() => {
    for (const m of models.values()) m.dispose();
    for (const t of inputs.values()) tf.dispose(t);
  });

  for (const c of critics) {
    it(`${c.name}: weight gradient equals the cpu backend's`, () => {
      expect(tf.getBackend()).toBe('wasm');
      const [real, fake, alpha] = inputs.get(c.name)!;
      const onWasm = penaltyGradient(models.get(c.name)!, real!, fake!, alpha!);
      expect(maxRelativeError(onWasm, cpuGrads.get(c.name)!)).toBeLessThan(1e-4);
    });
  }
});

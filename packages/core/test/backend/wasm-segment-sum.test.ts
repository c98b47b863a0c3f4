import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';

// UnsortedSegmentSum, which dgm adds to wasm (the gradient of a gather, so of Embedding layers),
// against the cpu backend's.

async function onBoth(f: () => tf.Tensor): Promise<{ cpu: number[]; wasm: number[]; shape: number[] }> {
  await tf.setBackend('cpu');
  const c = f();
  const cpu = Array.from(c.dataSync());
  c.dispose();
  await tf.setBackend('wasm');
  const w = f();
  const wasm = Array.from(w.dataSync());
  const shape = w.shape;
  w.dispose();
  return { cpu, wasm, shape };
}

describe('wasm training kernels: UnsortedSegmentSum', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('sums rows by segment exactly as cpu does, dropping ids out of range', async () => {
    const x = Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i) * 3);
    const r = await onBoth(() => tf.unsortedSegmentSum(tf.tensor2d(x, [6, 5]), tf.tensor1d([2, 0, 2, 1, 7, 0], 'int32'), 4));
    expect(r.shape).toEqual([4, 5]);
    expect(r.wasm).toEqual(r.cpu);
    const ints = await onBoth(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 2));
    expect(ints.wasm).toEqual([3, 7]);
  });

  it("lets an Embedding layer train on wasm: the gather's gradient matches cpu", async () => {
    const grad = () =>
      tf.tidy(() => {
        const table = tf.tensor2d(Array.from({ length: 4 * 3 }, (_, i) => i / 7), [4, 3]);
        const ids = tf.tensor1d([3, 1, 3, 0], 'int32');
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4, 3]))))(table);
      });
    const r = await onBoth(grad);
    expect(r.wasm).toEqual(r.cpu);
    expect(r.wasm).toEqual([10, 11, 12, 4, 5, 6, 0, 0, 0, 8, 10, 12]);
  });
});

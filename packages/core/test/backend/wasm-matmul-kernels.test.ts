import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';

// The transposed-operand matmuls dgm installs on wasm, against the cpu backend.

function values(shape: number[], seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

async function onBoth(f: () => tf.Tensor): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[] }> {
  await tf.setBackend('cpu');
  const c = f();
  const cpu = c.dataSync() as Float32Array;
  c.dispose();
  await tf.setBackend('wasm');
  const w = f();
  const wasm = w.dataSync() as Float32Array;
  const shape = w.shape;
  w.dispose();
  return { cpu, wasm, shape };
}

describe('wasm training kernels: matmul with transposed operands', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  // Shapes where both orientations win: a long thin x^T·dy (m small) and wide weights (n large).
  const dims: Array<[number, number, number]> = [
    [3, 5, 4],
    [7, 2, 40],
    [40, 3, 2],
    [8, 30, 1],
    [1, 9, 6],
  ];

  it('BatchMatMul matches cpu for every transpose combination and rank', async () => {
    let seed = 1;
    for (const [m, k, n] of dims) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const aShape = transposeA ? [k, m] : [m, k];
          const bShape = transposeB ? [n, k] : [k, n];
          const av = values(aShape, seed++);
          const bv = values(bShape, seed++);
          for (const lead of [[], [1], [1, 1]]) {
            const { cpu, wasm, shape } = await onBoth(() =>
              tf.tidy(() => tf.matMul(tf.tensor(av, [...lead, ...aShape]), tf.tensor(bv, [...lead, ...bShape]), transposeA, transposeB)),
            );
            expect(shape).toEqual([...lead, m, n]);
            expect(relError(wasm, cpu), `m${m} k${k} n${n} tA=${transposeA} tB=${transposeB} lead=${lead}`).toBeLessThanOrEqual(1e-5);
          }
        }
      }
    }
  });

  it('batched and broadcast products still match (they keep the stock kernel)', async () => {
    const a = values([3, 4, 5], 7);
    const b = values([1, 6, 5], 8);
    const { cpu, wasm } = await onBoth(() => tf.tidy(() => tf.matMul(tf.tensor3d(a, [3, 4, 5]), tf.tensor3d(b, [1, 6, 5]), false, true)));
    expect(relError(wasm, cpu)).toBeLessThanOrEqual(1e-5);
  });

  it('fused matMul with bias and relu matches with transposed operands', async () => {
    const a = values([6, 4], 3);
    const b = values([9, 6], 4);
    const bias = values([9], 5);
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() =>
        tf.fused.matMul({ a: tf.tensor2d(a, [6, 4]), b: tf.tensor2d(b, [9, 6]), transposeA: true, transposeB: true, bias: tf.tensor1d(bias), activation: 'relu' }),
      ),
    );
    expect(relError(wasm, cpu)).toBeLessThanOrEqual(1e-5);
  });

  it('dense-layer gradients match cpu and leave nothing behind', async () => {
    const x = values([16, 30], 9);
    const w = values([30, 12], 10);
    const grads = () =>
      tf.tidy(() => {
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.matMul(xx, ww))))([tf.tensor2d(x, [16, 30]), tf.tensor2d(w, [30, 12])]);
        return tf.concat(g.map((t) => t.flatten()));
      });
    const { cpu, wasm } = await onBoth(grads);
    expect(relError(wasm, cpu)).toBeLessThanOrEqual(1e-5);

    tf.dispose(grads());
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.dispose(grads());
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
  });
});

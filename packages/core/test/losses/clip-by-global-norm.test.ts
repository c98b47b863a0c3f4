import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, LossInputError } from '../../src/losses/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('clipByGlobalNorm', () => {
  it('scales every tensor by maxNorm / norm when the joint norm is larger', () => {
    const grads = [tf.tensor1d([3, 4]), tf.tensor2d([[12]])]; // joint norm 13
    const { clipped, norm } = clipByGlobalNorm(grads, 6.5);
    expect(norm).toBeCloseTo(13, 6);
    expect(Array.from(clipped[0]!.dataSync())).toEqual([1.5, 2]);
    expect(clipped[1]!.shape).toEqual([1, 1]);
    expect(clipped[1]!.dataSync()[0]).toBe(6);
    tf.dispose([...grads, ...clipped]);
  });

  it('returns equal values in new tensors when the norm is within the limit', () => {
    const grads = [tf.tensor1d([0.3, -0.4])];
    const { clipped, norm } = clipByGlobalNorm(grads, 0.5);
    expect(norm).toBeCloseTo(0.5, 6);
    expect(clipped[0]).not.toBe(grads[0]);
    expect(Array.from(clipped[0]!.dataSync())).toEqual(Array.from(grads[0]!.dataSync()));
    tf.dispose([...grads, ...clipped]);
  });

  it('turns a non-finite gradient into NaNs instead of hiding it', () => {
    const grads = [tf.tensor1d([1, Number.POSITIVE_INFINITY]), tf.tensor1d([2])];
    const { clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(clipped[1]!.dataSync()).every(Number.isNaN)).toBe(true);
    tf.dispose([...grads, ...clipped]);
  });

  it('leaks no tensors beyond the clipped ones it returns', () => {
    const grads = [tf.randomNormal([5, 3]), tf.randomNormal([7])];
    const before = tf.memory().numTensors;
    const { clipped } = clipByGlobalNorm(grads, 0.1);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(clipped);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(grads);
  });

  it('accepts an empty list and rejects a bad maxNorm or a non-tensor', () => {
    expect(clipByGlobalNorm([], 1)).toEqual({ clipped: [], norm: 0 });
    expect(() => clipByGlobalNorm([], 0)).toThrow(/maxNorm must be a finite number > 0/);
    expect(() => clipByGlobalNorm([], Number.POSITIVE_INFINITY)).toThrow(LossInputError);
    expect(() => clipByGlobalNorm([[1, 2]] as never, 1)).toThrow(/grads\[0\] must be a live float32 tensor/);
  });
});

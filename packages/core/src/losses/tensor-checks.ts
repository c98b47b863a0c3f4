import * as tf from '#tfjs';
import { LossInputError } from './errors.js';

/** Throws unless `t` is a float32 tensor with a leading sample axis of at least one sample. */
export function checkBatchTensor(t: unknown, what: string, minRank = 1): asserts t is tf.Tensor {
  if (!(t instanceof tf.Tensor)) {
    throw new LossInputError(`${what} must be a tf.Tensor, got ${describe(t)}.`);
  }
  if (t.isDisposed) throw new LossInputError(`${what} has already been disposed.`);
  if (t.dtype !== 'float32') throw new LossInputError(`${what} must be float32, got ${t.dtype}.`);
  if (t.rank < minRank || t.shape[0] === 0) {
    throw new LossInputError(
      `${what} must have rank >= ${minRank} with at least one sample on axis 0, got shape [${t.shape.join(', ')}].`,
    );
  }
}

/** Throws unless two tensors have the same shape. */
export function checkSameShape(a: tf.Tensor, b: tf.Tensor, aName: string, bName: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new LossInputError(
      `${aName} and ${bName} must have the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}].`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

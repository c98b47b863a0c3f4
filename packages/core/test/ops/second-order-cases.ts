// The kernels registerSecondOrderGradients replaces, each in a small function whose second-order
// gradient can be checked against finite differences of first-order gradients (which tfjs gets
// right). Shared by the cpu and wasm tests.
import * as tf from '@tensorflow/tfjs';
import { centralDifferences, scalarOf } from './finite-difference.js';

export interface OpCase {
  kernel: string;
  op: (t: tf.Tensor) => tf.Tensor;
  stock: 'wrong' | 'throws';
}

// Pre-activations z = x*w + b below stay >= 0.13 away from every kink (0, +-0.5, 6 after the
// factor 3), so the finite differences never straddle one.
export const cases: OpCase[] = [
  { kernel: 'Tanh', op: (t) => tf.tanh(t), stock: 'wrong' },
  { kernel: 'Sigmoid', op: (t) => tf.sigmoid(t), stock: 'wrong' },
  { kernel: 'Exp', op: (t) => tf.exp(t), stock: 'wrong' },
  { kernel: 'Elu', op: (t) => tf.elu(t), stock: 'throws' },
  { kernel: 'LeakyRelu', op: (t) => tf.leakyRelu(t, 0.2), stock: 'throws' },
  { kernel: 'Maximum', op: (t) => tf.maximum(t, tf.mul(t, 0.3)), stock: 'throws' },
  { kernel: 'Minimum', op: (t) => tf.minimum(t, tf.mul(t, 0.3)), stock: 'throws' },
  { kernel: 'Selu', op: (t) => tf.selu(t), stock: 'throws' },
  { kernel: 'Relu6', op: (t) => tf.relu6(tf.mul(t, 3)), stock: 'throws' },
  { kernel: 'Softmax', op: (t) => tf.softmax(t), stock: 'wrong' },
  { kernel: 'ClipByValue', op: (t) => tf.clipByValue(t, -0.5, 0.5), stock: 'throws' },
];

const x = [-1.3, -0.4, 0.2, 0.7, 1.5];
const c = [0.3, -1.1, 0.8, 1.7, -0.6];
const v = [1.0, 0.5, -0.7, 0.9, 1.2];
const b = [0.1, -0.2, 0.05, 0.3, -0.1];
const w0 = Float32Array.from([0.8, 1.1, -0.9, 0.6, 1.3]);

/**
 * s(w) = sum(v * d/dx L(x, w)) with L = sum(c * w * op(x * w + b)): the shape of a gradient
 * penalty, where the input gradient depends on the weights both through the saved input of op
 * and through the upstream gradient (c * w) reaching it.
 */
function penaltyLike(op: OpCase['op'], w: tf.Tensor): tf.Tensor {
  const inputGrad = tf.grad((xx: tf.Tensor) =>
    tf.sum(tf.mul(tf.mul(tf.tensor1d(c), w), op(tf.add(tf.mul(xx, w), tf.tensor1d(b))))),
  )(tf.tensor1d(x));
  return tf.sum(tf.mul(tf.tensor1d(v), inputGrad));
}

/** Reads a tensor back and disposes it. */
export function take(t: tf.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

export function secondOrder(op: OpCase['op']): Float32Array {
  return take(tf.tidy(() => tf.grad((w: tf.Tensor) => penaltyLike(op, w))(tf.tensor1d(w0))));
}

export function numericSecondOrder(op: OpCase['op']): number[] {
  const s = (w: Float32Array) => scalarOf(() => penaltyLike(op, tf.tensor1d(w)));
  return centralDifferences(s, w0, [0, 1, 2, 3, 4], 1e-3);
}

export function firstOrder(op: OpCase['op']): Float32Array {
  return take(tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tensor1d(c), op(t))))(tf.tensor1d(x))));
}

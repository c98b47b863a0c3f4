import * as tf from '#tfjs';

/**
 * Elementwise -[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))] from logits, in the stable form
 * softplus(l) - t * l: log(1 + e^l) never overflows in tf.softplus and no sigmoid is rounded to
 * 0 or 1 before its log is taken. Targets may be soft (any value in [0, 1]).
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, targets: tf.Tensor | number): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.softplus(logits), tf.mul(targets, logits)));
}

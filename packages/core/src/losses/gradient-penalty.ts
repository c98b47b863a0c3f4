import * as tf from '#tfjs';
import { registerSecondOrderGradients } from '../ops/index.js';
import { LossInputError } from './errors.js';
import { checkBatchTensor, checkSameShape } from './tensor-checks.js';

/**
 * Added to the squared gradient norm inside the square root. Without it, d sqrt(s)/ds is
 * infinite at s = 0 and a critic whose input gradient vanishes for some sample (a dead critic,
 * an all-zero weight matrix) would turn the whole step's gradients into NaN. It moves the norm
 * by at most 1e-6 (sqrt(1e-12)), far below float32 resolution around the target norm 1.
 */
export const gradientNormEpsilon = 1e-12;

/**
 * The WGAN-GP penalty (Gulrajani et al. 2017): with x̂_i = alpha_i * real_i + (1 - alpha_i) * fake_i,
 * returns mean_i (||grad_x critic(x̂)_i||_2 - 1)^2, where the norm runs over all of sample i's
 * non-batch axes. alpha holds one value in [0, 1] per sample, shaped [n], [n, 1] or
 * [n, 1, ..., 1]; the caller draws it (keyed per sample, so it does not depend on sharding).
 *
 * The result is differentiable with respect to the critic's weights (tf.variableGrads around
 * this call differentiates through the inner tf.grad), which is why this installs
 * registerSecondOrderGradients. The critic must treat samples independently (no BatchNorm in
 * training mode): the per-sample input gradients are taken from the gradient of the SUM of its
 * outputs, which separates by sample only then.
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  alpha: tf.Tensor,
): tf.Scalar {
  if (typeof critic !== 'function') throw new LossInputError('gradientPenalty critic must be a function from images to logits.');
  checkBatchTensor(real, 'gradientPenalty real', 2);
  checkBatchTensor(fake, 'gradientPenalty fake', 2);
  checkSameShape(real, fake, 'gradientPenalty real', 'fake');
  checkBatchTensor(alpha, 'gradientPenalty alpha');
  const n = real.shape[0] as number;
  if (alpha.shape[0] !== n || alpha.size !== n || alpha.rank > real.rank) {
    throw new LossInputError(
      `gradientPenalty alpha must hold one value per sample, shaped [${n}] or [${n}, 1, ...], got [${alpha.shape.join(', ')}].`,
    );
  }
  registerSecondOrderGradients();
  return tf.tidy(() => {
    const a = tf.reshape(alpha, [n, ...new Array<number>(real.rank - 1).fill(1)]);
    const mixed = tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake));
    const inputGrad = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(mixed);
    const sampleAxes = Array.from({ length: real.rank - 1 }, (_, i) => i + 1);
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(inputGrad), sampleAxes), gradientNormEpsilon));
    return tf.mean(tf.square(tf.sub(norms, 1))) as tf.Scalar;
  });
}

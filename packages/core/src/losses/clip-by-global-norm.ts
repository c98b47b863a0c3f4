import * as tf from '#tfjs';
import { LossInputError } from './errors.js';

/**
 * Scales a list of gradients so that their joint L2 norm is at most maxNorm (as
 * tf.clip_by_global_norm does): every tensor is multiplied by maxNorm / max(norm, maxNorm), so
 * directions are kept and the list is left alone when already short enough.
 *
 * Returns new tensors the caller owns (the inputs are not disposed) and the norm before clipping,
 * summed in float64 from per-tensor float32 sums of squares. This reads one small tensor back
 * from the device. If the norm is not finite (a NaN or Inf gradient), every clipped value is NaN,
 * as in TensorFlow, so the caller can see the bad step instead of applying a silently zeroed one.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new LossInputError(`clipByGlobalNorm maxNorm must be a finite number > 0, got ${String(maxNorm)}.`);
  }
  if (!Array.isArray(grads)) throw new LossInputError('clipByGlobalNorm grads must be an array of tensors.');
  grads.forEach((g, i) => {
    if (!(g instanceof tf.Tensor) || g.isDisposed || g.dtype !== 'float32') {
      throw new LossInputError(`clipByGlobalNorm grads[${i}] must be a live float32 tensor.`);
    }
  });
  if (grads.length === 0) return { clipped: [], norm: 0 };
  const squares = tf.tidy(() => tf.stack(grads.map((g) => tf.sum(tf.square(g)))));
  const perTensor = squares.dataSync();
  squares.dispose();
  let sum = 0;
  for (const s of perTensor) sum += s;
  const norm = Math.sqrt(sum);
  const scale = Number.isFinite(norm) ? maxNorm / Math.max(norm, maxNorm) : Number.NaN;
  const clipped = grads.map((g) => (scale === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, scale))));
  return { clipped, norm };
}

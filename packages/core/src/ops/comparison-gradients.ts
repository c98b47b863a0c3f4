// Replacement gradients for maximum, minimum and clipByValue. tfjs 4.22 builds their 0/1 masks
// with greaterEqual/less/lessEqual/greater/logicalAnd, which have no registered gradient, so any
// second-order pass through them throws. The masks here come from `step`, whose gradient is
// registered (zero), so the tape can walk through them; first-order values are unchanged.
import * as tf from '#tfjs';

function single(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
}

/** Sums a broadcast gradient back to the shape of the input it belongs to. */
function reduceToShape(grad: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, grad.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
}

/** 1 where a < b, 0 elsewhere (ties give 0), with a zero gradient. */
function lessMask(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.step(tf.sub(b, a));
}

// maximum: a gets the gradient where a >= b (ties go to a, as in tfjs), b where a < b.
const maximumGradient: tf.GradConfig = {
  kernelName: tf.Maximum,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const g = single(dy);
    return {
      a: () => reduceToShape(tf.mul(g, tf.sub(1, lessMask(a, b))), a.shape),
      b: () => reduceToShape(tf.mul(g, lessMask(a, b)), b.shape),
    };
  },
};

// minimum: a gets the gradient where a <= b (ties go to a, as in tfjs), b where a > b.
const minimumGradient: tf.GradConfig = {
  kernelName: tf.Minimum,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const g = single(dy);
    return {
      a: () => reduceToShape(tf.mul(g, tf.sub(1, lessMask(b, a))), a.shape),
      b: () => reduceToShape(tf.mul(g, lessMask(b, a)), b.shape),
    };
  },
};

// clipByValue passes the gradient on the closed interval [min, max], as tfjs does.
const clipByValueGradient: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { clipValueMin, clipValueMax } = attrs as unknown as tf.ClipByValueAttrs;
    return {
      x: () => {
        const inside = tf.mul(
          tf.sub(1, tf.step(tf.sub(clipValueMin, x))),
          tf.sub(1, tf.step(tf.sub(x, clipValueMax))),
        );
        return tf.mul(single(dy), inside);
      },
    };
  },
};

/** Twice-differentiable gradients of the elementwise comparisons. */
export const comparisonGradients: readonly tf.GradConfig[] = [maximumGradient, minimumGradient, clipByValueGradient];

// Replacement gradients for elementwise activations, written so that the gradient is itself
// differentiable by tfjs's tape (needed for WGAN-GP, which differentiates ||grad_x D(x)|| with
// respect to D's weights).
//
// Why the stock tfjs 4.22 gradients fail at second order:
//  - Tanh, Sigmoid, Exp, Softmax (and Elu) save their OUTPUT y and build the gradient from it. The engine
//    saves a clone of y whose tape node is recorded BEFORE the op's own node, so the outer
//    backward pass never links that clone back to x: the d(gradient)/dy term is silently dropped.
//  - LeakyRelu, Selu and Relu6 build a 0/1 mask with greater/lessEqual (and Elu calls the EluGrad
//    kernel); none of those has a registered gradient, so the outer pass throws.
// The fix: save the INPUT x and recompute what is needed from it inside the gradient, and build
// masks with `step`, whose gradient is registered (zero), as tfjs's own Relu gradient does.
import * as tf from '#tfjs';

/** The constants of tf.selu (Klambauer et al. 2017), as tfjs-core defines them. */
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALE_ALPHA = 1.7580993408473768599402175208123;

function single(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  // Every kernel here has one output, so the engine passes one dy.
  return Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
}

/** min(x, 0), written with relu so that its gradient is (1 - step(x)) and stays differentiable. */
function negativePart(x: tf.Tensor): tf.Tensor {
  return tf.sub(x, tf.relu(x));
}

const tanhGradient: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => { const t = tf.tanh(x); return tf.mul(single(dy), tf.sub(1, tf.mul(t, t))); } };
  },
};

const sigmoidGradient: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => { const s = tf.sigmoid(x); return tf.mul(single(dy), tf.mul(s, tf.sub(1, s))); } };
  },
};

const expGradient: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(single(dy), tf.exp(x)) };
  },
};

// elu'(x) = 1 for x > 0, exp(x) otherwise = exp(min(x, 0)); exp(min(x, 0)) <= 1 never overflows.
const eluGradient: tf.GradConfig = {
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(single(dy), tf.exp(negativePart(x))) };
  },
};

// selu'(x) = scale for x > 0, scale * alpha * exp(x) otherwise.
const seluGradient: tf.GradConfig = {
  kernelName: tf.Selu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () => {
        const positive = tf.step(x);
        const negativeSlope = tf.mul(tf.mul(tf.sub(1, positive), SELU_SCALE_ALPHA), tf.exp(negativePart(x)));
        return tf.mul(single(dy), tf.add(tf.mul(positive, SELU_SCALE), negativeSlope));
      },
    };
  },
};

// step(x, alpha) is 1 for x > 0 and alpha otherwise: exactly leakyRelu's slope, ties included.
const leakyReluGradient: tf.GradConfig = {
  kernelName: tf.LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
    return { x: () => tf.mul(single(dy), tf.step(x, alpha)) };
  },
};

// relu6'(x) = 1 on (0, 6], 0 elsewhere (the same closed end as tfjs's own gradient).
const relu6Gradient: tf.GradConfig = {
  kernelName: tf.Relu6,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(single(dy), tf.mul(tf.step(x), tf.sub(1, tf.step(tf.sub(x, 6))))) };
  },
};

// softmax'(x)^T dy = y * (dy - sum(dy * y)), with y recomputed from the saved logits. tf.softmax
// only runs along the last axis, which is what the kernel's `dim` attribute then holds.
const softmaxGradient: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const [logits] = saved as [tf.Tensor];
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    return {
      logits: () => {
        const y = tf.softmax(logits, dim);
        const dyTimesY = tf.mul(single(dy), y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    };
  },
};

/** Twice-differentiable gradients of the activations tf.layers uses. */
export const activationGradients: readonly tf.GradConfig[] = [
  tanhGradient,
  sigmoidGradient,
  expGradient,
  eluGradient,
  seluGradient,
  leakyReluGradient,
  relu6Gradient,
  softmaxGradient,
];

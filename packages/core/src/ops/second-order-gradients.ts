import * as tf from '#tfjs';
import { activationGradients } from './activation-gradients.js';
import { comparisonGradients } from './comparison-gradients.js';

const replacements: readonly tf.GradConfig[] = [...activationGradients, ...comparisonGradients];

/**
 * The kernels whose gradients registerSecondOrderGradients replaces: the six tfjs 4.22 gets
 * wrong or cannot differentiate twice (Tanh, Sigmoid, Exp silently wrong; LeakyRelu, Maximum,
 * Elu throw), plus Softmax (silently wrong like Tanh) and Selu, Relu6, Minimum and
 * ClipByValue (which throw like LeakyRelu). Still not twice-differentiable in tfjs 4.22, and not
 * fixable here: MaxPool and AvgPool (their gradient kernels have no gradient), FusedBatchNorm,
 * and tf.logSoftmax (a customGrad op, outside the registry).
 */
export const secondOrderGradientKernels: readonly string[] = replacements.map((c) => c.kernelName);

/**
 * Installs twice-differentiable gradients for the kernels in secondOrderGradientKernels, in
 * tfjs's global gradient registry. Only gradient functions change: forward kernels, stock
 * tf.layers layers and saved models stay exactly as they are, and first-order gradients keep
 * their values. Idempotent; createGanLoss calls it, and anything that differentiates twice
 * (a gradient penalty, a Hessian-vector product) should call it first.
 */
export function registerSecondOrderGradients(): void {
  for (const config of replacements) {
    // Registering again would be harmless, but skipping keeps tfjs's debug-mode
    // "Overriding the gradient" warning out of the logs.
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}

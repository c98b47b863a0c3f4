// Public surface of ops/: tensor operations the tfjs release we use lacks or gets wrong.
export { registerSecondOrderGradients, secondOrderGradientKernels } from './second-order-gradients.js';

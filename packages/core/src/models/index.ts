// Public surface of models/: the model registry and the records it returns.
export { MODEL_NAMES } from './types.js';
export type { GanModel, GenerativeModel, ModelName, VaeModel } from './types.js';
export { createModel } from './registry.js';
export { ModelOptionError } from './errors.js';
export { MLP_GAN_OPTIONS } from './mlp-gan.js';
export { DCGAN_OPTIONS, MAX_DCGAN_REFINE } from './dcgan.js';
export { MLP_VAE_OPTIONS } from './vae.js';
export { CONV_VAE_OPTIONS } from './conv-vae.js';
export { layerSeed } from './initializers.js';
export { MAX_EMA_DECAY } from './generator-ema.js';

// Public surface of backend/: choosing a TensorFlow.js backend, and the training kernels dgm adds
// to the wasm backend.
export { initBackend, BACKEND_CHOICES, TFJS_NODE, TFJS_NODE_GPU, TFJS_WASM } from './init-backend.js';
export type { BackendChoice, InitBackendOptions, InitBackendResult, ModuleLoader } from './init-backend.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels.js';
export { BackendUnavailableError, KernelInputError } from './errors.js';

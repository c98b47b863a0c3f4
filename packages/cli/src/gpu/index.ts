export { listLocalGpus, parseNvidiaSmiList, resolveGpuIds } from './nvidia-smi.js';
export { workerEnv } from './worker-env.js';
export { assertGpuRuntime, hasGpuRuntime, GPU_PACKAGE, MISSING_GPU_RUNTIME } from './gpu-runtime.js';

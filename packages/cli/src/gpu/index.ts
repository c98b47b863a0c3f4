export { listLocalGpus, parseNvidiaSmiDevices, parseNvidiaSmiList, resolveGpuIds } from './nvidia-smi.js';
export { grantedGpus, type GpuGrant } from './granted.js';
export { workerEnv } from './worker-env.js';
export { assertGpuRuntime, hasGpuRuntime, GPU_PACKAGE, MISSING_GPU_RUNTIME } from './gpu-runtime.js';

// Each local worker sees exactly one GPU. tfjs-node-gpu's native TensorFlow claims every visible
// device (and the last one wins), so the device must be chosen through the child's environment,
// before the child loads tfjs: CUDA reads CUDA_VISIBLE_DEVICES once, at initialisation.

/**
 * The environment of one local worker process.
 * @param base the parent's environment (copied, never modified)
 * @param gpu the device id for this worker, or null for a CPU worker (which is shown no GPU)
 */
export function workerEnv(base: NodeJS.ProcessEnv, gpu: number | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (gpu === null) {
    // -1 hides every GPU, so a CPU worker never grabs device memory by accident.
    env.CUDA_VISIBLE_DEVICES = '-1';
    delete env.TF_FORCE_GPU_ALLOW_GROWTH;
  } else {
    // Number devices as nvidia-smi does, so `--gpus 1` means the GPU that nvidia-smi calls 1.
    env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
    env.CUDA_VISIBLE_DEVICES = String(gpu);
    // Without it TensorFlow reserves nearly all device memory up front.
    env.TF_FORCE_GPU_ALLOW_GROWTH = 'true';
  }
  return env;
}

// Device pinning. TensorFlow's native build grabs every visible GPU (and with several visible the
// last one wins), and it reads CUDA_VISIBLE_DEVICES only once, when the library loads. So the
// launcher decides the device of each worker process through its environment, before the
// process starts; the worker itself only reports what it was given. This module imports nothing
// (no tfjs, no ZeroMQ) so launchers load it cheaply as '@dgm/worker/device'. The same launchers
// set the worker's C allocator here too (allocator-env.ts).
import { withAllocatorTunables } from './allocator-env.js';

export { ALLOCATOR_TUNABLES, withAllocatorTunables } from './allocator-env.js';

/**
 * One GPU as CUDA_VISIBLE_DEVICES names it: an index (numbered as nvidia-smi numbers them), or a
 * UUID exactly as a scheduler or device plugin granted it (`GPU-…`, MIG `MIG-…`), which is passed
 * through unchanged: renumbering it would pick a device of another job.
 */
export type GpuId = number | string;

/** The device a worker process is launched for: one GPU, or none (CPU backends). */
export type DeviceAssignment = { gpu: GpuId } | { gpu: null };

/** A GPU id that is neither a non-negative integer nor a GPU/MIG UUID. */
export class DeviceAssignmentError extends Error {}

/** `GPU-<uuid>`, `MIG-<uuid>` or the older `MIG-GPU-<uuid>/<gi>/<ci>`. */
const GPU_UUID = /^(GPU|MIG)-[A-Za-z0-9][A-Za-z0-9/_-]{0,120}$/;

/** True for a GPU id CUDA_VISIBLE_DEVICES accepts: an index or a GPU/MIG UUID. */
export function isGpuId(value: unknown): value is GpuId {
  return (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && GPU_UUID.test(value));
}

/**
 * The environment of a worker process for `device`, derived from `base` (not modified).
 * A GPU worker sees exactly that GPU (CUDA_VISIBLE_DEVICES=<id>) and grows its GPU memory on
 * demand (TF_FORCE_GPU_ALLOW_GROWTH=true) instead of reserving all of it up front; a CPU worker
 * sees no GPU at all (CUDA_VISIBLE_DEVICES=-1) so a native GPU build cannot take one behind
 * its back. Either way its allocator gets ALLOCATOR_TUNABLES (allocator-env.ts).
 */
export function workerEnv(base: Readonly<Record<string, string | undefined>>, device: DeviceAssignment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (device.gpu === null) {
    env.CUDA_VISIBLE_DEVICES = '-1';
    delete env.TF_FORCE_GPU_ALLOW_GROWTH;
    return withAllocatorTunables(env);
  }
  if (!isGpuId(device.gpu)) {
    throw new DeviceAssignmentError(`GPU id ${String(device.gpu)} is not allowed; use a non-negative integer such as 0. (A GPU-… or MIG-… UUID is allowed too.)`);
  }
  // Number devices as nvidia-smi does, so GPU 1 means the device that nvidia-smi calls 1
  // (CUDA's default order is fastest-first, which differs on mixed machines).
  env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
  env.CUDA_VISIBLE_DEVICES = String(device.gpu);
  env.TF_FORCE_GPU_ALLOW_GROWTH = 'true';
  return withAllocatorTunables(env);
}

/**
 * What this process runs on, for HELLO and the logs: 'gpu:<id>' when the active backend is
 * native TensorFlow on CUDA and its launcher pinned one GPU, 'gpu:all-visible' when it did not,
 * else 'cpu'.
 */
export function describeDevice(env: Readonly<Record<string, string | undefined>>, active: { backend: string; detail: string }): string {
  const visible = env.CUDA_VISIBLE_DEVICES;
  const onGpu = active.backend === 'tensorflow' && /CUDA|GPU/.test(active.detail);
  // '-1' (or empty) hides every GPU: a GPU build then runs on the CPU.
  if (!onGpu || visible === '-1' || visible === '') return 'cpu';
  return visible !== undefined && (/^\d+$/.test(visible) || GPU_UUID.test(visible)) ? `gpu:${visible}` : 'gpu:all-visible';
}

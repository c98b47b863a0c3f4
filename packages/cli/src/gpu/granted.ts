// The GPUs a scheduler granted this process, as it granted them. Slurm (--gpus-per-task,
// --gres), Kubernetes' NVIDIA device plugin and the NVIDIA container runtime narrow a job to its
// devices through CUDA_VISIBLE_DEVICES or NVIDIA_VISIBLE_DEVICES, often by UUID (`GPU-…`, MIG
// `MIG-…`). Those entries are passed through as they are: `nvidia-smi -L` lists every GPU of the
// machine, and numbering from it would pin workers to devices that belong to other jobs.
import { isGpuId, type GpuId } from '@dgm/worker/device';
import { UsageError } from '../errors.js';

/** What a variable granted: the devices, or none at all. */
export interface GpuGrant {
  from: 'CUDA_VISIBLE_DEVICES' | 'NVIDIA_VISIBLE_DEVICES';
  value: string;
  devices: GpuId[];
}

function parseList(name: GpuGrant['from'], value: string): GpuId[] {
  const devices: GpuId[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    const device: GpuId = /^\d{1,3}$/.test(entry) ? Number(entry) : entry;
    if (!isGpuId(device)) {
      throw new UsageError(`${name}='${value}' has the entry '${entry}', which is neither a GPU index such as 0 nor a GPU-… / MIG-… UUID.`);
    }
    if (devices.includes(device)) throw new UsageError(`${name}='${value}' lists '${entry}' twice.`);
    devices.push(device);
  }
  return devices;
}

/**
 * The grant in `env`, or null when nothing narrows the machine's GPUs (neither variable set, or
 * NVIDIA_VISIBLE_DEVICES=all). CUDA_VISIBLE_DEVICES wins: CUDA reads it after the container
 * runtime applied NVIDIA_VISIBLE_DEVICES. A grant of no device has `devices: []`.
 */
export function grantedGpus(env: NodeJS.ProcessEnv): GpuGrant | null {
  const cuda = env.CUDA_VISIBLE_DEVICES?.trim();
  if (cuda !== undefined) {
    if (cuda === '' || cuda === '-1' || cuda === 'NoDevFiles') return { from: 'CUDA_VISIBLE_DEVICES', value: cuda, devices: [] };
    return { from: 'CUDA_VISIBLE_DEVICES', value: cuda, devices: parseList('CUDA_VISIBLE_DEVICES', cuda) };
  }
  const nvidia = env.NVIDIA_VISIBLE_DEVICES?.trim();
  if (nvidia === undefined || nvidia === 'all') return null;
  if (nvidia === '' || nvidia === 'none' || nvidia === 'void') return { from: 'NVIDIA_VISIBLE_DEVICES', value: nvidia, devices: [] };
  return { from: 'NVIDIA_VISIBLE_DEVICES', value: nvidia, devices: parseList('NVIDIA_VISIBLE_DEVICES', nvidia) };
}

// Which workers a `dgm launch` process starts on its node, in the two job shapes:
//  - one process per GPU (Slurm --ntasks-per-node=<gpus>, torchrun --nproc_per_node): `--gpu auto`
//    takes the GPU the scheduler narrowed this process to (Slurm --gpus-per-task: left alone), or
//    else the granted GPU at this process's local rank;
//  - one process per node (a PyTorchJob pod, a TrainJob node): `--gpus all` (or a list) starts one
//    worker per granted GPU;
//  - CPU workers: `--workers N` per process (default: Kubeflow Trainer's PET_NPROC_PER_NODE, else 1).
import type { GpuId } from '@dgm/worker/device';
import { UsageError } from '../errors.js';
import { grantedGpus } from '../gpu/granted.js';
import { listLocalGpus, resolveGpuIds } from '../gpu/nvidia-smi.js';
import type { WorkerSlot } from './local-workers.js';
import type { Placement } from './placement.js';

export interface LocalDeviceRequest {
  /** --gpus: every granted GPU ('all') or these. */
  gpus: 'all' | number[] | null;
  /** --gpu: 'auto' (by local rank) or one device. */
  gpu: 'auto' | GpuId | null;
  /** --workers: CPU workers in this process. */
  workers: number | null;
}

/** The GPU of a per-GPU process. */
function oneGpu(localRank: number, env: NodeJS.ProcessEnv): GpuId {
  const grant = grantedGpus(env);
  if (grant !== null && grant.devices.length === 0) {
    throw new UsageError(`--gpu auto found no usable GPU: ${grant.from}='${grant.value}' hides them all.`);
  }
  // Narrowed to one device by the scheduler: that one, whatever this process's local rank.
  if (grant !== null && grant.devices.length === 1) return grant.devices[0];
  const devices = grant?.devices ?? listLocalGpus(env);
  const from = grant ? `${grant.from}='${grant.value}'` : 'nvidia-smi -L';
  if (localRank >= devices.length) {
    throw new UsageError(`--gpu auto: local rank ${localRank} has no GPU of its own (${from} gives ${devices.length}); start at most ${devices.length} processes per node, or grant each its GPU.`);
  }
  return devices[localRank];
}

/** This process's worker slots (index = position here; its rank is the first rank + index). */
export function localSlots(request: LocalDeviceRequest, placement: Placement, env: NodeJS.ProcessEnv): WorkerSlot[] {
  if (request.gpu !== null) {
    const gpu = request.gpu === 'auto' ? oneGpu(placement.localRank, env) : request.gpu;
    return [{ index: 0, gpu }];
  }
  if (request.gpus !== null) return resolveGpuIds(request.gpus, env).map((gpu, index) => ({ index, gpu }));
  const count = request.workers ?? placement.workersPerProcess ?? 1;
  return Array.from({ length: count }, (_, index) => ({ index, gpu: null }));
}

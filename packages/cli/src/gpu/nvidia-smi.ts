// Finding the local GPUs for `--gpus all`: `nvidia-smi -L` prints one line per device,
// "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-...)", numbered as CUDA_VISIBLE_DEVICES numbers them
// (when CUDA_DEVICE_ORDER=PCI_BUS_ID, which the launcher sets), and under a GPU in MIG mode one
// line per MIG instance, "  MIG 1g.5gb Device 0: (UUID: MIG-...)". CUDA cannot use a MIG-mode GPU
// whole, so its instances are listed instead, by UUID.
import { execFileSync } from 'node:child_process';
import type { GpuId } from '@dgm/worker/device';
import { UsageError } from '../errors.js';
import { grantedGpus } from './granted.js';

/** GPU ids listed by `nvidia-smi -L` output, in order. Lines that are not GPUs (MIG entries) are skipped. */
export function parseNvidiaSmiList(output: string): number[] {
  const ids: number[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^GPU (\d+):/.exec(line.trim());
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

/** The devices workers can use from `nvidia-smi -L` output: each GPU's index, or the UUIDs of its MIG instances. */
export function parseNvidiaSmiDevices(output: string): GpuId[] {
  const gpus: { index: number; migs: string[] }[] = [];
  for (const line of output.split(/\r?\n/)) {
    const gpu = /^GPU (\d+):/.exec(line.trim());
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), migs: [] });
      continue;
    }
    const mig = /^MIG\b.*\(UUID: (MIG-[^)\s]+)\)/.exec(line.trim());
    if (mig && gpus.length > 0) gpus[gpus.length - 1].migs.push(mig[1]);
  }
  return gpus.flatMap((g): GpuId[] => (g.migs.length > 0 ? g.migs : [g.index]));
}

/**
 * Runs `nvidia-smi -L` from PATH and returns the usable devices (GPU indices, MIG UUIDs). Throws
 * UsageError when it is missing, fails, or lists no GPU, since `--gpus all` cannot mean anything then.
 */
export function listLocalGpus(env: NodeJS.ProcessEnv = process.env): GpuId[] {
  let output: string;
  try {
    output = execFileSync('nvidia-smi', ['-L'], { env, encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError('--gpus all lists GPUs with nvidia-smi, which is not on PATH; install the NVIDIA driver or name the GPUs, such as --gpus 0,1.');
    }
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
    throw new UsageError(`--gpus all could not list GPUs: nvidia-smi -L failed${stderr ? ` (${stderr})` : ''}; check the NVIDIA driver or name the GPUs, such as --gpus 0,1.`);
  }
  const ids = parseNvidiaSmiDevices(output);
  if (ids.length === 0) {
    throw new UsageError('--gpus all found no GPU in the output of nvidia-smi -L; use --workers N to train on CPU workers.');
  }
  return ids;
}

/**
 * Resolves a --gpus value to concrete devices. 'all' means the GPUs this process may use: those
 * a scheduler granted (CUDA_VISIBLE_DEVICES, else NVIDIA_VISIBLE_DEVICES; indices or UUIDs,
 * passed through as given), else every device `nvidia-smi -L` lists.
 */
export function resolveGpuIds(gpus: 'all' | number[], env: NodeJS.ProcessEnv = process.env): GpuId[] {
  if (gpus !== 'all') return gpus;
  const grant = grantedGpus(env);
  if (grant === null) return listLocalGpus(env);
  if (grant.devices.length === 0) {
    throw new UsageError(`--gpus all found no usable GPU: ${grant.from}='${grant.value}' hides them all; unset it or use --workers N for CPU workers.`);
  }
  return grant.devices;
}

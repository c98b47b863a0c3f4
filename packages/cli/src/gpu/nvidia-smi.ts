// Finding the local GPUs for `--gpus all`: `nvidia-smi -L` prints one line per device,
// "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-...)", numbered as CUDA_VISIBLE_DEVICES numbers them
// (when CUDA_DEVICE_ORDER=PCI_BUS_ID, which the launcher sets).
import { execFileSync } from 'node:child_process';
import { UsageError } from '../errors.js';

/** GPU ids listed by `nvidia-smi -L` output, in order. Lines that are not GPUs (MIG entries) are skipped. */
export function parseNvidiaSmiList(output: string): number[] {
  const ids: number[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^GPU (\d+):/.exec(line.trim());
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

/**
 * Runs `nvidia-smi -L` from PATH and returns the GPU ids. Throws UsageError when it is missing,
 * fails, or lists no GPU, since `--gpus all` cannot mean anything then.
 */
export function listLocalGpus(env: NodeJS.ProcessEnv = process.env): number[] {
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
  const ids = parseNvidiaSmiList(output);
  if (ids.length === 0) {
    throw new UsageError('--gpus all found no GPU in the output of nvidia-smi -L; use --workers N to train on CPU workers.');
  }
  return ids;
}

/**
 * Resolves a --gpus value to concrete ids. 'all' means the GPUs this process may use: those
 * CUDA_VISIBLE_DEVICES lists when it holds device numbers (schedulers such as SLURM set it to the
 * job's share of the machine), else every GPU `nvidia-smi -L` lists.
 */
export function resolveGpuIds(gpus: 'all' | number[], env: NodeJS.ProcessEnv = process.env): number[] {
  if (gpus !== 'all') return gpus;
  const visible = env.CUDA_VISIBLE_DEVICES?.trim();
  if (visible !== undefined && /^\d+(\s*,\s*\d+)*$/.test(visible)) return visible.split(',').map((id) => Number(id.trim()));
  if (visible === '' || visible === '-1') {
    throw new UsageError(`--gpus all found no usable GPU: CUDA_VISIBLE_DEVICES='${visible}' hides them all; unset it or use --workers N for CPU workers.`);
  }
  return listLocalGpus(env);
}

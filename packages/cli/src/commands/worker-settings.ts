// The validated flags of `dgm worker`, apart from the command so that the launch code that runs a
// worker (launch/worker-run.ts) can use them without importing the command that calls it.
import { isGpuId, type GpuId } from '@dgm/worker/device';
import type { ParsedArgs } from '../args/command-spec.js';
import { coerceField, parseGpuValue, TRAIN_FIELDS } from '../config/fields.js';
import { validateEndpoint } from '../config/endpoint.js';
import type { BackendName } from '../config/vocabulary.js';
import { UsageError } from '../errors.js';

/** The validated flags of `dgm worker`. */
export interface WorkerSettings {
  connect: string;
  /** GPUs for child processes ('all' or a list of more than one), or null. */
  gpus: 'all' | number[] | null;
  /** The one GPU of this process (an index or a GPU-… / MIG-… UUID), or null for CPU. */
  gpu: GpuId | null;
  backend: BackendName;
  json: boolean;
}

/** Validates `dgm worker` flags. Throws UsageError. */
export function resolveWorkerSettings(values: ParsedArgs['values']): WorkerSettings {
  if (typeof values.connect !== 'string') {
    throw new UsageError('dgm worker needs --connect <address>, the coordinator address such as tcp://head:5555.');
  }
  validateEndpoint(values.connect, { flag: 'connect' });
  if (values.gpus !== undefined && values.gpu !== undefined) {
    throw new UsageError('--gpus and --gpu cannot be used together; use --gpu ID for one GPU or --gpus for one process per GPU.');
  }
  let gpus = values.gpus !== undefined ? parseGpuValue(values.gpus, { flag: 'gpus' }) : null;
  let gpu: GpuId | null = null;
  if (values.gpu !== undefined) {
    // A UUID (GPU-…, MIG-…) is kept as given: it names the device a scheduler granted.
    const given = typeof values.gpu === 'string' && /^\d{1,3}$/.test(values.gpu) ? Number(values.gpu) : values.gpu;
    if (!isGpuId(given)) {
      throw new UsageError(`--gpu must be one GPU id such as 0, got '${String(values.gpu)}' (a GPU-… or MIG-… UUID works too).`);
    }
    gpu = given;
  }
  if (Array.isArray(gpus) && gpus.length === 1) {
    gpu = gpus[0];
    gpus = null;
  }
  const onGpu = gpus !== null || gpu !== null;
  const backend = values.backend === undefined ? (onGpu ? 'tensorflow' : 'auto') : (coerceField(TRAIN_FIELDS.backend, values.backend, { flag: 'backend' }) as BackendName);
  if (onGpu && backend !== 'tensorflow' && backend !== 'auto') {
    throw new UsageError(`--gpu${gpus ? 's' : ''} needs --backend tensorflow (or auto), not ${backend}: only @tensorflow/tfjs-node-gpu runs on GPUs.`);
  }
  return { connect: values.connect, gpus, gpu, backend: onGpu ? 'tensorflow' : backend, json: Boolean(values.json) };
}

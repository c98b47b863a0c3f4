// `dgm worker`: one replica that joins a coordinator. With several GPUs (`--gpus all` or a list)
// it starts one child process per GPU, each pinned through its environment.
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { coerceField, parseGpuValue, TRAIN_FIELDS } from '../config/fields.js';
import { validateEndpoint } from '../config/endpoint.js';
import type { BackendName } from '../config/vocabulary.js';
import { UsageError } from '../errors.js';
import { assertGpuRuntime } from '../gpu/gpu-runtime.js';
import { resolveGpuIds } from '../gpu/nvidia-smi.js';
import { runWorkerProcess, superviseGpuWorkers } from '../launch/worker-run.js';
import { commandReporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';

const spec: CommandSpec = {
  name: 'worker',
  summary: 'Join a coordinator as a worker (one process per GPU with --gpus).',
  options: [
    { name: 'connect', type: 'string', value: 'address', description: 'Coordinator address, such as tcp://head:5555 (required).' },
    { name: 'gpus', type: 'string', value: 'ids|all', description: 'Start one worker process per GPU: a list such as 0,1, or all (CUDA_VISIBLE_DEVICES if set, else nvidia-smi -L).' },
    { name: 'gpu', type: 'string', value: 'id', description: 'Run this worker on one GPU (sets CUDA_VISIBLE_DEVICES before tfjs loads).' },
    { name: 'backend', type: 'string', value: 'name', description: 'auto, tensorflow, wasm or cpu (default auto; tensorflow with GPUs).' },
    { name: 'log-file', type: 'string', value: 'file', description: 'Also write the log (JSON lines) to this file.' },
    { name: 'json', type: 'boolean', description: 'Print machine-readable JSON lines on stdout, nothing else.' },
  ],
  notes: ['The worker gets the model, dataset and settings from the coordinator; it exits 0 when the run ends.'],
  examples: [
    'dgm worker --connect tcp://head:5555',
    'dgm worker --connect tcp://10.0.0.1:5555 --gpus all',
    'dgm worker --connect tcp://10.0.0.1:5555 --gpu 1 --backend tensorflow',
  ],
};

/** The validated flags of `dgm worker`. */
export interface WorkerSettings {
  connect: string;
  /** GPUs for child processes ('all' or a list of more than one), or null. */
  gpus: 'all' | number[] | null;
  /** The one GPU of this process, or null for CPU. */
  gpu: number | null;
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
  let gpu: number | null = null;
  if (values.gpu !== undefined) {
    if (typeof values.gpu !== 'string' || !/^\d{1,3}$/.test(values.gpu)) {
      throw new UsageError(`--gpu must be one GPU id such as 0, got '${String(values.gpu)}'.`);
    }
    gpu = Number(values.gpu);
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

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const settings = resolveWorkerSettings(args.values);
  const logFile = typeof args.values['log-file'] === 'string' ? args.values['log-file'] : undefined;
  if (settings.gpus !== null || settings.gpu !== null) assertGpuRuntime();
  const reporter = commandReporter(settings.json, context);
  if (settings.gpus !== null) {
    const ids = resolveGpuIds(settings.gpus, context.env);
    return superviseGpuWorkers(settings, ids, reporter, context, logFile);
  }
  return runWorkerProcess(settings, reporter, context, logFile);
}

export const workerCommand: Command = { spec, run };

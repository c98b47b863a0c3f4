// `dgm worker`: one replica that joins a coordinator. With several GPUs (`--gpus all` or a list)
// it starts one child process per GPU, each pinned through its environment.
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { assertGpuRuntime } from '../gpu/gpu-runtime.js';
import { resolveGpuIds } from '../gpu/nvidia-smi.js';
import { runWorkerProcess, superviseGpuWorkers } from '../launch/worker-run.js';
import { commandReporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';
import { resolveWorkerRuntimeFlags, WORKER_RANK_OPTION, WORKER_RUNTIME_OPTIONS, workerRuntimeArgs } from './runtime-flags.js';
import { resolveWorkerSecurity, securityArgs, WORKER_SECURITY_OPTIONS } from './security-flags.js';
import { resolveWorkerSettings } from './worker-settings.js';

const spec: CommandSpec = {
  name: 'worker',
  summary: 'Join a coordinator as a worker (one process per GPU with --gpus).',
  options: [
    { name: 'connect', type: 'string', value: 'address', description: 'Coordinator address, such as tcp://head:5555, or ipc://<path> on the same host (required).' },
    { name: 'gpus', type: 'string', value: 'ids|all', description: 'Start one worker process per GPU: a list such as 0,1, or all (the GPUs CUDA_VISIBLE_DEVICES or NVIDIA_VISIBLE_DEVICES grant, UUIDs as given; else nvidia-smi -L).' },
    { name: 'gpu', type: 'string', value: 'id', description: 'Run this worker on one GPU, an index or a GPU-… / MIG-… UUID (sets CUDA_VISIBLE_DEVICES before tfjs loads).' },
    { name: 'backend', type: 'string', value: 'name', description: 'auto, tensorflow, wasm or cpu (default auto; tensorflow with GPUs).' },
    { name: 'log-file', type: 'string', value: 'file', description: 'Also write the log (JSON lines) to this file.' },
    { name: 'json', type: 'boolean', description: 'Print machine-readable JSON lines on stdout, nothing else.' },
    ...WORKER_SECURITY_OPTIONS,
    ...WORKER_RUNTIME_OPTIONS,
    WORKER_RANK_OPTION,
  ],
  notes: ['The worker gets the model, dataset and settings from the coordinator; it exits 0 when the run ends.'],
  examples: [
    'dgm worker --connect tcp://head:5555 --key keys/secret.key --server-key keys/public.key',
    'dgm worker --connect tcp://10.0.0.1:5555 --key node1/secret.key --server-key head.public.key --gpus all',
    'dgm worker --connect tcp://127.0.0.1:5555 --gpu 1 --backend tensorflow',
  ],
};

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const settings = resolveWorkerSettings(args.values);
  const runtime = resolveWorkerRuntimeFlags(args.values);
  const security = await resolveWorkerSecurity(args.values, settings.connect, context.env);
  const logFile = typeof args.values['log-file'] === 'string' ? args.values['log-file'] : undefined;
  if (settings.gpus !== null || settings.gpu !== null) assertGpuRuntime();
  const reporter = commandReporter(settings.json, context);
  if (security.warning) reporter.warn(security.warning);
  if (settings.gpus !== null) {
    const ids = resolveGpuIds(settings.gpus, context.env);
    return superviseGpuWorkers(settings, ids, reporter, context, logFile, [...workerRuntimeArgs(args.values), ...securityArgs(args.values)], security.handoff, runtime.rank);
  }
  return runWorkerProcess(settings, runtime, reporter, context, logFile, security.curve);
}

export const workerCommand: Command = { spec, run };

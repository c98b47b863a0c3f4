// `dgm launch`: the one command every process of a scheduled job runs (srun, torchrun, mpirun, a
// Kubeflow pod). It reads its place from the environment (launch/placement.ts), says so in its
// first line, and then: rank 0 runs the coordinator on the master address plus its own workers
// (the local-run code of `dgm train`), every other rank runs only its workers.
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { isGpuId, type GpuId } from '@dgm/worker/device';
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { parseGpuValue } from '../config/fields.js';
import { resolveTrainSettings, type TrainSettings } from '../config/train-settings.js';
import { UsageError } from '../errors.js';
import { assertGpuRuntime } from '../gpu/gpu-runtime.js';
import { localSlots, type LocalDeviceRequest } from '../launch/local-devices.js';
import { runLocalTraining } from '../launch/local-run.js';
import type { LocalRunShape } from '../launch/run-shape.js';
import { masterBindAddress, masterConnectAddress } from '../launch/master-bind.js';
import { describePlacement, readPlacement, type Placement } from '../launch/placement.js';
import { runRankWorkers } from '../launch/rank-workers.js';
import { requeueSlurmJob } from '../launch/slurm-requeue.js';
import { planTrain } from '../launch/train-plan.js';
import { SCHEDULED_ENV } from '../launch/worker-run.js';
import { commandReporter, type Reporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';
import { COORDINATOR_RUNTIME_OPTIONS, RECONNECT_OPTION, reconnectWindow, resolveCoordinatorRuntimeFlags, type CoordinatorRuntimeFlags } from './runtime-flags.js';
import { RUN_OPTIONS } from './train-options.js';
import { COORDINATOR_SECURITY_OPTIONS, resolveCoordinatorSecurity, resolveWorkerSecurity, securityArgs, staysOnThisHost, WORKER_SECURITY_OPTIONS } from './security-flags.js';

type Values = ParsedArgs['values'];

/** Join timeout of both ends under a scheduler: ranks that start up to this far apart still meet. */
export const LAUNCH_JOIN_TIMEOUT_MS = 120_000;

const spec: CommandSpec = {
  name: 'launch',
  summary: 'Run one process of a scheduled job (srun, torchrun, mpirun, Kubeflow): rank 0 hosts the coordinator, every rank trains.',
  options: [
    ...RUN_OPTIONS.map((o) =>
      o.name === 'resume'
        ? { ...o, value: 'run dir|auto', description: "Continue a stopped run; 'auto' (with --out) continues --out when it holds a checkpoint and starts it otherwise, so a requeued job resumes by itself." }
        : o,
    ),
    { name: 'workers', type: 'string', value: 'n', description: 'CPU worker processes this process starts (default: PET_NPROC_PER_NODE under Kubeflow Trainer, else 1).' },
    { name: 'gpus', type: 'string', value: 'ids|all', description: 'One process per node: a worker per GPU the scheduler granted (all) or per listed GPU.' },
    { name: 'gpu', type: 'string', value: 'auto|id', description: "One process per GPU: 'auto' takes the GPU the scheduler narrowed this process to, else the granted GPU at its local rank." },
    { name: 'rank', type: 'string', value: 'n', description: 'This process\'s rank (DGM_RANK); with --world-size, --master-addr and --port it replaces a launcher.' },
    { name: 'world-size', type: 'string', value: 'n', description: 'Processes in the job (DGM_WORLD_SIZE).' },
    { name: 'master-addr', type: 'string', value: 'host', description: "Host of rank 0, where the coordinator listens (DGM_MASTER_ADDR); overrides the engine's." },
    { name: 'port', type: 'string', value: 'n', description: "The coordinator's port (DGM_PORT); overrides the engine's. Open it in the firewall of rank 0's host." },
    // The closed-cluster flags: rank 0's coordinator reads --key and --allow, every worker --key
    // and --server-key; one shared key pair is `--key k/secret.key --allow k/public.key --server-key k/public.key`.
    ...COORDINATOR_SECURITY_OPTIONS,
    ...WORKER_SECURITY_OPTIONS.filter((o) => !COORDINATOR_SECURITY_OPTIONS.some((c) => c.name === o.name)),
    ...COORDINATOR_RUNTIME_OPTIONS.map((o) => (o.name === 'join-timeout-ms' ? { ...o, description: `Advanced: how long ranks wait for each other, at both ends (default ${LAUNCH_JOIN_TIMEOUT_MS}); a rank missing then is named on every rank.` } : o)),
    { ...RECONNECT_OPTION, description: "Every worker's --reconnect: the workers of the other ranks keep trying rank 0's address this long when its coordinator is lost, and rejoin it (at their ranks) when rank 0 is started again with --resume." },
  ],
  notes: [
    'Placement is read in this order (the innermost launcher wins): flags and DGM_RANK/DGM_WORLD_SIZE,',
    'torchrun (TORCHELASTIC_RUN_ID; port MASTER_PORT+1, torchrun holds MASTER_PORT), Open MPI (OMPI_COMM_WORLD_*),',
    'Kubeflow Trainer (PET_*), a PyTorchJob (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), Slurm (SLURM_PROCID, ...;',
    'port 20000 + SLURM_JOB_ID mod 20000 unless MASTER_PORT). DGM_MASTER_ADDR and DGM_PORT override any engine.',
    'SIGTERM (scancel, pod deletion) writes a final checkpoint and exits 130; under Slurm, SIGUSR1',
    '(--signal=USR1@90) does the same and requeues the job, which --resume auto then continues.',
  ],
  examples: [
    'srun -n 3 dgm launch --steps 500 --out runs/job',
    'torchrun --no_python --nnodes 1 --nproc_per_node 2 dgm launch --steps 500 --out runs/job',
    'mpirun -n 3 dgm launch --steps 500 --out runs/job',
    'srun --ntasks-per-node 4 --gpus-per-task 1 dgm launch --gpu auto --model dcgan --out runs/job --resume auto',
  ],
};

/** Flags that say the same as DGM_* variables, as those variables (flags win). */
function placementEnv(values: Values, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  const map: [string, string][] = [['rank', 'DGM_RANK'], ['world-size', 'DGM_WORLD_SIZE'], ['master-addr', 'DGM_MASTER_ADDR'], ['port', 'DGM_PORT']];
  for (const [flag, name] of map) if (typeof values[flag] === 'string') out[name] = values[flag] as string;
  return out;
}

function deviceRequest(values: Values): LocalDeviceRequest {
  const given = ['workers', 'gpus', 'gpu'].filter((f) => values[f] !== undefined);
  if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} cannot be used together; give CPU workers (--workers), one GPU per process (--gpu auto) or every GPU of the node (--gpus all).`);
  let gpu: LocalDeviceRequest['gpu'] = null;
  if (typeof values.gpu === 'string') {
    const id: GpuId | string = /^\d{1,3}$/.test(values.gpu) ? Number(values.gpu) : values.gpu;
    if (id !== 'auto' && !isGpuId(id)) throw new UsageError(`--gpu must be auto or one GPU id such as 0, got '${values.gpu}'.`);
    gpu = id as 'auto' | GpuId;
  }
  let workers: number | null = null;
  if (values.workers !== undefined) {
    if (typeof values.workers !== 'string' || !/^\d{1,3}$/.test(values.workers) || Number(values.workers) < 1 || Number(values.workers) > 64) {
      throw new UsageError(`--workers must be a whole number from 1 to 64, got '${String(values.workers)}'.`);
    }
    workers = Number(values.workers);
  }
  return { gpus: values.gpus !== undefined ? parseGpuValue(values.gpus, { flag: 'gpus' }) : null, gpu, workers };
}

/**
 * The coordinator's runtime options under launch. The one place to add coordinator options that
 * `dgm launch` passes through (the join timeout defaults to LAUNCH_JOIN_TIMEOUT_MS here).
 */
export function launchCoordinatorRuntime(values: Values): CoordinatorRuntimeFlags {
  const runtime = resolveCoordinatorRuntimeFlags(values);
  return { joinTimeoutMs: LAUNCH_JOIN_TIMEOUT_MS, ...runtime };
}

/** The flags every `dgm worker` of the job gets. The one place to add worker options that `dgm launch` passes through. */
export function launchWorkerArgs(values: Values, runtime: CoordinatorRuntimeFlags): string[] {
  const args = ['--join-timeout-ms', String(runtime.joinTimeoutMs ?? LAUNCH_JOIN_TIMEOUT_MS)];
  for (const flag of ['run-id', 'heartbeat-ms', 'timeout-ms'] as const) if (typeof values[flag] === 'string') args.push(`--${flag}`, values[flag] as string);
  if (reconnectWindow(values).reconnectMs !== undefined) args.push('--reconnect', values.reconnect as string);
  return [...args, ...securityArgs(values)];
}

/** --resume auto: the run directory when it holds a checkpoint, else a fresh start (rank 0 only). */
function resumeFlags(values: Values, cwd: string, rank: number): Values {
  const flags: Values = { ...values };
  for (const f of ['workers', 'gpus', 'gpu']) delete flags[f];
  if (values.resume !== 'auto') {
    if (rank !== 0) delete flags.resume; // only rank 0 reads the stored run
    return flags;
  }
  if (typeof values.out !== 'string') throw new UsageError('--resume auto needs --out, the run directory a requeued job continues.');
  const out = resolvePath(cwd, values.out);
  delete flags.resume;
  if (rank === 0 && existsSync(join(out, 'checkpoints', 'latest'))) flags.resume = out;
  return flags;
}

function settingsFor(values: Values, context: CliContext, placement: Placement, gpuWorkers: boolean, totalWorkers: number): TrainSettings {
  // The job's workers, all nodes together: what --min-workers, --max-workers and the batch are
  // checked against, and what settings.json keeps for --resume.
  const settings = resolveTrainSettings({ command: 'train', flags: resumeFlags(values, context.cwd, placement.rank), cwd: context.cwd, jobWorkers: totalWorkers });
  if (gpuWorkers && settings.backend !== 'tensorflow' && settings.backend !== 'auto') {
    throw new UsageError(`GPU workers need --backend tensorflow (or auto), not ${settings.backend}: only @tensorflow/tfjs-node-gpu runs on GPUs.`);
  }
  return gpuWorkers ? { ...settings, backend: 'tensorflow' } : settings;
}

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const env = placementEnv(args.values, context.env);
  const placement = readPlacement(env);
  const json = Boolean(args.values.json);
  const reporter: Reporter = commandReporter(json, context);
  reporter.event('placement', { engine: placement.engine, rank: placement.rank, worldSize: placement.worldSize, localRank: placement.localRank, master: `${placement.masterAddr}:${placement.port}`, read: placement.read });
  reporter.info(describePlacement(placement));

  const request = deviceRequest(args.values);
  const slots = localSlots(request, placement, env);
  const onGpus = slots.some((s) => s.gpu !== null);
  if (onGpus) assertGpuRuntime();
  // Nodes are alike: every process starts as many workers as this one.
  const totalWorkers = placement.worldSize * slots.length;
  const settings = settingsFor(args.values, context, placement, onGpus, totalWorkers);
  if (settings.batchSize < totalWorkers) {
    throw new UsageError(`--batch-size ${settings.batchSize} is the global batch and cannot be split over the job's ${totalWorkers} workers; use a batch size of at least ${totalWorkers}.`);
  }
  const runtime = launchCoordinatorRuntime(args.values);
  const workerArgs = launchWorkerArgs(args.values, runtime);
  const firstRank = placement.rank * slots.length;
  const stopSignals: NodeJS.Signals[] = ['SIGUSR1'];
  const workerEnv = { [SCHEDULED_ENV]: '1' };

  const connect = await masterConnectAddress(placement.masterAddr, placement.port);
  // A job off loopback with no key flags at all: one sentence with the whole recipe, rather than
  // the coordinator's and the workers' halves of it one after the other.
  const keyFlags = ['key', 'allow', 'server-key', 'insecure'].filter((f) => args.values[f] !== undefined && args.values[f] !== false);
  if (keyFlags.length === 0 && !staysOnThisHost(connect)) {
    throw new UsageError(
      `the job's coordinator at ${connect.slice('tcp://'.length)} can be reached from other machines, so the job needs keys: make them once with dgm keys new --out DIR and give every process --key DIR/secret.key --allow DIR/public.key --server-key DIR/public.key, or pass --insecure to run an open job on a network you trust.`,
    );
  }
  // Every rank checks the worker key flags before anything starts: a mistake is one sentence here,
  // not a worker that dies later (the workers check them again).
  const workerSecurity = await resolveWorkerSecurity(args.values, connect, {});
  if (workerSecurity.warning) reporter.warn(workerSecurity.warning);

  if (placement.rank !== 0) {
    return runRankWorkers(
      {
        connect,
        slots,
        firstRank,
        workerArgs: ['--backend', settings.backend, ...workerArgs],
        workerEnv,
        stopSignals,
      },
      reporter,
      context,
    );
  }

  const bind = await masterBindAddress(placement.masterAddr, placement.port);
  const coordinatorSecurity = await resolveCoordinatorSecurity(args.values, bind);
  if (coordinatorSecurity.warning) reporter.warn(coordinatorSecurity.warning);
  // With GPU workers the coordinator's own process stays off the GPUs (planTrain picks wasm for it).
  const plan = await planTrain(onGpus ? { ...settings, gpus: 'all' } : settings, env, { localWorkers: false });
  const shape: LocalRunShape = {
    bind,
    expectedWorkers: totalWorkers,
    slots,
    workerArgs: (slot) => ['--rank', String(firstRank + slot.index), ...workerArgs],
    workerEnv,
    runtime,
    command: 'launch',
    stopSignals,
    security: async () => ({ server: coordinatorSecurity.curve, handoff: null }),
    afterStop: async (signal, checkpointDir) => {
      if (signal === 'SIGUSR1' && placement.engine === 'slurm') await requeueSlurmJob(env, checkpointDir, reporter);
    },
  };
  return runLocalTraining({ ...plan, gpuIds: onGpus ? slots.map((s) => s.gpu as GpuId) : null }, reporter, context, shape);
}

export const launchCommand: Command = { spec, run };

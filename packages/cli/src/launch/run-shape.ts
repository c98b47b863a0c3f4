// The shape of a local run: where its coordinator listens and which workers run in this process's
// care. `dgm train` and `dgm launch` (rank 0) run the same code with different shapes.
import type { CurveServerKeys } from '@dgm/protocol/security';
import type { CoordinatorRuntimeFlags } from '../commands/runtime-flags.js';
import { localRunKeys } from '../commands/security-flags.js';
import type { WorkerSlot } from './local-workers.js';
import type { TrainPlan } from './train-plan.js';

/**
 * Where a local run's coordinator listens and which of its workers run here. `dgm train` takes the
 * defaults (loopback, every worker local); `dgm launch` on rank 0 binds the master address, waits
 * for the whole job's workers and starts only its own, at the ranks the scheduler gave them.
 */
export interface LocalRunShape {
  /** The coordinator's address (default: loopback, a free port). */
  bind: string;
  /** Workers the coordinator waits for (default: the local ones). */
  expectedWorkers: number;
  /** The workers started here. */
  slots: WorkerSlot[];
  /** Arguments added to each local `dgm worker` (its rank, runtime flags). */
  workerArgs: (slot: WorkerSlot) => string[];
  /** Variables added to each local worker's environment. */
  workerEnv: NodeJS.ProcessEnv;
  /** The coordinator's runtime flags (join timeout, liveness, run id). */
  runtime: CoordinatorRuntimeFlags;
  /** The command that continues an interrupted run (`dgm <command> --resume <dir>`). */
  command: 'train' | 'launch';
  /** Signals that ask for a clean stop besides SIGINT and SIGTERM. */
  stopSignals: NodeJS.Signals[];
  /**
   * The run's CURVE keys: the coordinator's (null: an open run) and what each local worker is
   * handed on its inherited file descriptor (null: the workers read key files from their flags).
   */
  security: () => Promise<{ server: CurveServerKeys | null; handoff: string | null }>;
  /** Runs after a stop requested by `signal` has written its checkpoint and the local workers ended. */
  afterStop?: (signal: NodeJS.Signals, checkpointDir: string | null) => Promise<void>;
}

/** `dgm train`'s shape: loopback, every worker local (one per GPU, or `settings.workers` CPU workers). */
export function trainShape(plan: TrainPlan): LocalRunShape {
  const slots: WorkerSlot[] = plan.gpuIds
    ? plan.gpuIds.map((gpu, index) => ({ index, gpu }))
    : Array.from({ length: plan.settings.workers }, (_, index) => ({ index, gpu: null }));
  // Loopback only, on a port the OS picks: a local run is nobody else's business.
  // Closed even so, with keys of its own (localRunKeys).
  return { bind: 'tcp://127.0.0.1:*', expectedWorkers: slots.length, slots, workerArgs: () => [], workerEnv: {}, runtime: {}, command: 'train', stopSignals: [], security: localRunKeys };
}

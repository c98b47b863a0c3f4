// Where this `dgm launch` process stands in its job, read from the environment in one documented
// order. The innermost launcher wins — the one that started this very process — because outer
// ones leave their variables behind: torchrun started inside an srun task, mpirun inside an sbatch
// allocation, torchrun inside a Kubeflow pod. The order:
//   1. dgm's own: flags (--rank, --world-size, --master-addr, --port) and DGM_* variables;
//   2. torchrun (TORCHELASTIC_RUN_ID);
//   3. Open MPI (OMPI_COMM_WORLD_RANK);
//   4. Kubeflow Trainer, or a PyTorchJob with nprocPerNode (PET_NNODES / PET_NODE_RANK);
//   5. a PyTorchJob (RANK / WORLD_SIZE);
//   6. Slurm (SLURM_PROCID).
// DGM_MASTER_ADDR and DGM_PORT then override the address and port whichever engine was found.
import { UsageError } from '../errors.js';
import { isDgm, readDgm } from './engines/dgm.js';
import { isKubeflowTrainer, isPyTorchJob, readKubeflowTrainer, readPyTorchJob } from './engines/kubeflow.js';
import { isOpenMpi, readOpenMpi } from './engines/open-mpi.js';
import { EnvReader, type EngineName, type EngineReading } from './engines/reading.js';
import { isSlurm, readSlurm } from './engines/slurm.js';
import { isTorchrun, readTorchrun } from './engines/torchrun.js';

/** The engines in the order they are looked for. */
export const ENGINE_ORDER: readonly { name: EngineName; detect(env: NodeJS.ProcessEnv): boolean; read(env: NodeJS.ProcessEnv): EngineReading }[] = [
  { name: 'dgm', detect: isDgm, read: readDgm },
  { name: 'torchrun', detect: isTorchrun, read: readTorchrun },
  { name: 'open-mpi', detect: isOpenMpi, read: readOpenMpi },
  { name: 'kubeflow-trainer', detect: isKubeflowTrainer, read: readKubeflowTrainer },
  { name: 'pytorchjob', detect: isPyTorchJob, read: readPyTorchJob },
  { name: 'slurm', detect: isSlurm, read: readSlurm },
];

/** A complete placement: every field known. */
export interface Placement extends EngineReading {
  masterAddr: string;
  port: number;
  portFrom: string;
}

/** Reads this process's placement. Throws UsageError (one sentence) for missing or contradictory variables. */
export function readPlacement(env: NodeJS.ProcessEnv): Placement {
  const engine = ENGINE_ORDER.find((e) => e.detect(env));
  if (!engine) {
    throw new UsageError(
      'dgm launch found no launcher in the environment: start it with srun, torchrun, mpirun or a Kubeflow job, or set DGM_RANK, DGM_WORLD_SIZE, DGM_MASTER_ADDR and DGM_PORT (or --rank, --world-size, --master-addr, --port).',
    );
  }
  const reading = engine.read(env);
  const own = new EnvReader(env, 'dgm');
  const addr = own.text('DGM_MASTER_ADDR');
  const port = own.port('DGM_PORT');
  const masterAddr = addr ?? reading.masterAddr;
  if (masterAddr === null) throw new UsageError(`${engine.name} does not say where rank 0 runs; set DGM_MASTER_ADDR (or --master-addr) to its host.`);
  if (!/^[A-Za-z0-9._-]{1,253}$|^\[?[0-9a-fA-F:]+\]?$/.test(masterAddr)) {
    throw new UsageError(`the master address '${masterAddr}' is not a host name or an IP address.`);
  }
  const finalPort = port ?? reading.port;
  if (finalPort === null) throw new UsageError(`${engine.name} does not say which port the coordinator listens on; set DGM_PORT (or --port).`);
  return {
    ...reading,
    masterAddr,
    port: finalPort,
    portFrom: port !== undefined ? 'DGM_PORT' : (reading.portFrom as string),
    read: [...reading.read, ...own.read],
  };
}

/** The first log line: which engine, what it read, what that means. */
export function describePlacement(p: Placement): string {
  return `dgm launch under ${p.engine}: rank ${p.rank} of ${p.worldSize} (local rank ${p.localRank}), coordinator at ${p.masterAddr}:${p.port} (port from ${p.portFrom}); read ${p.read.join(' ')}`;
}

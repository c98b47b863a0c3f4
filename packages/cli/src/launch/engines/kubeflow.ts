// Kubeflow, one `dgm launch` process per pod (pod = node):
// - Trainer (TrainJob, trainer.kubeflow.org/v1alpha1) sets PET_NNODES, PET_NPROC_PER_NODE,
//   PET_NODE_RANK, PET_MASTER_ADDR, PET_MASTER_PORT in every node's container — torchrun's own
//   variables, which torchrun reads when the container runs it
//   (https://www.kubeflow.org/docs/components/trainer/, "Runtime": the torch plugin).
// - PyTorchJob (kubeflow.org/v1) sets MASTER_ADDR (the master pod's Service), MASTER_PORT (the
//   container port named pytorchjob-port), WORLD_SIZE (pods) and RANK (0 for the master, 1.. for
//   workers) (https://www.kubeflow.org/docs/components/trainer/legacy-v1/user-guides/pytorch/).
//   With nprocPerNode it also sets the PET_ variables, which then describe the pod.
import { UsageError } from '../../errors.js';
import { checkRank, EnvReader, type EngineReading } from './reading.js';

export function isKubeflowTrainer(env: NodeJS.ProcessEnv): boolean {
  return env.PET_NNODES !== undefined || env.PET_NODE_RANK !== undefined;
}

export function readKubeflowTrainer(env: NodeJS.ProcessEnv): EngineReading {
  const r = new EnvReader(env, 'Kubeflow Trainer (PET_NNODES or PET_NODE_RANK is set)');
  const why = "Kubeflow's torch runtime sets it in every node's container";
  const worldSize = r.needInt('PET_NNODES', 1, why);
  const rank = r.needInt('PET_NODE_RANK', 0, why);
  checkRank('PET_NODE_RANK', rank, 'PET_NNODES', worldSize);
  const perNode = r.text('PET_NPROC_PER_NODE');
  let workersPerProcess: number | null = null;
  if (perNode !== undefined) {
    if (/^\d{1,3}$/.test(perNode) && Number(perNode) >= 1) workersPerProcess = Number(perNode);
    else if (!['auto', 'cpu', 'gpu'].includes(perNode)) {
      throw new UsageError(`PET_NPROC_PER_NODE='${perNode}' (from Kubeflow Trainer) must be a whole number of at least 1, or auto, cpu or gpu.`);
    }
  }
  const masterAddr = r.need('PET_MASTER_ADDR', why);
  const port = r.port('PET_MASTER_PORT');
  if (port === undefined) r.need('PET_MASTER_PORT', why);
  return { engine: 'kubeflow-trainer', rank, worldSize, localRank: 0, workersPerProcess, masterAddr, port: port as number, portFrom: 'PET_MASTER_PORT', read: r.read };
}

export function isPyTorchJob(env: NodeJS.ProcessEnv): boolean {
  return env.RANK !== undefined || env.WORLD_SIZE !== undefined;
}

export function readPyTorchJob(env: NodeJS.ProcessEnv): EngineReading {
  const r = new EnvReader(env, 'a PyTorchJob (RANK or WORLD_SIZE is set)');
  const why = 'the PyTorchJob operator sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT together';
  const rank = r.needInt('RANK', 0, why);
  const worldSize = r.needInt('WORLD_SIZE', 1, why);
  checkRank('RANK', rank, 'WORLD_SIZE', worldSize);
  const masterAddr = r.need('MASTER_ADDR', why);
  const port = r.port('MASTER_PORT');
  if (port === undefined) r.need('MASTER_PORT', why);
  return { engine: 'pytorchjob', rank, worldSize, localRank: 0, workersPerProcess: null, masterAddr, port: port as number, portFrom: 'MASTER_PORT', read: r.read };
}

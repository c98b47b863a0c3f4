// torchrun (torch.distributed.run, also what Kubeflow's runtimes start) sets, for each process it
// starts: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT and
// TORCHELASTIC_RUN_ID (https://pytorch.org/docs/stable/elastic/run.html, "Environment
// Variables"). Its agent already listens on MASTER_PORT (the rendezvous TCPStore), so dgm's
// coordinator takes DGM_PORT, else MASTER_PORT + 1.
import { checkRank, EnvReader, type EngineReading } from './reading.js';

export function isTorchrun(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.TORCHELASTIC_RUN_ID);
}

export function readTorchrun(env: NodeJS.ProcessEnv): EngineReading {
  const r = new EnvReader(env, 'torchrun (TORCHELASTIC_RUN_ID is set)');
  r.text('TORCHELASTIC_RUN_ID');
  const why = 'torchrun sets it for every process it starts';
  const rank = r.needInt('RANK', 0, why);
  const worldSize = r.needInt('WORLD_SIZE', 1, why);
  checkRank('RANK', rank, 'WORLD_SIZE', worldSize);
  const localRank = r.int('LOCAL_RANK', 0) ?? 0;
  const localWorldSize = r.int('LOCAL_WORLD_SIZE', 1);
  if (localWorldSize !== undefined) checkRank('LOCAL_RANK', localRank, 'LOCAL_WORLD_SIZE', localWorldSize);
  const masterAddr = r.need('MASTER_ADDR', why);
  const masterPort = r.port('MASTER_PORT');
  if (masterPort === undefined) r.need('MASTER_PORT', why);
  const port = (masterPort as number) + 1;
  return {
    engine: 'torchrun',
    rank,
    worldSize,
    localRank,
    workersPerProcess: null,
    masterAddr,
    port: port <= 65535 ? port : (masterPort as number) - 1,
    portFrom: port <= 65535 ? 'MASTER_PORT+1 (torchrun listens on MASTER_PORT)' : 'MASTER_PORT-1 (torchrun listens on MASTER_PORT)',
    read: r.read,
  };
}

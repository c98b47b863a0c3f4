// Open MPI's mpirun sets OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK and _LOCAL_SIZE for each process
// (https://docs.open-mpi.org/en/v5.0.x/tuning-apps/environment-var.html). It does not say where
// rank 0 runs: a job on one node uses this host's loopback; a job on several nodes passes the
// address with `mpirun -x MASTER_ADDR=<rank 0's host>` (or DGM_MASTER_ADDR).
import { UsageError } from '../../errors.js';
import { checkRank, EnvReader, type EngineReading } from './reading.js';

/** The port when neither MASTER_PORT nor DGM_PORT says: torch's customary default. */
export const OPEN_MPI_DEFAULT_PORT = 29500;

export function isOpenMpi(env: NodeJS.ProcessEnv): boolean {
  return env.OMPI_COMM_WORLD_RANK !== undefined;
}

export function readOpenMpi(env: NodeJS.ProcessEnv): EngineReading {
  const r = new EnvReader(env, 'Open MPI (OMPI_COMM_WORLD_RANK is set)');
  const why = 'mpirun sets it for every process it starts';
  const rank = r.needInt('OMPI_COMM_WORLD_RANK', 0, why);
  const worldSize = r.needInt('OMPI_COMM_WORLD_SIZE', 1, why);
  checkRank('OMPI_COMM_WORLD_RANK', rank, 'OMPI_COMM_WORLD_SIZE', worldSize);
  const localRank = r.int('OMPI_COMM_WORLD_LOCAL_RANK', 0) ?? 0;
  const localSize = r.int('OMPI_COMM_WORLD_LOCAL_SIZE', 1);
  if (localSize !== undefined) checkRank('OMPI_COMM_WORLD_LOCAL_RANK', localRank, 'OMPI_COMM_WORLD_LOCAL_SIZE', localSize);
  let masterAddr = r.text('MASTER_ADDR') ?? null;
  if (masterAddr === null && env.DGM_MASTER_ADDR === undefined) {
    if (localSize !== worldSize) {
      throw new UsageError(
        `Open MPI does not say where rank 0 runs and this job spans several nodes (OMPI_COMM_WORLD_SIZE=${worldSize}, OMPI_COMM_WORLD_LOCAL_SIZE=${localSize ?? 'unset'}); pass it with mpirun -x MASTER_ADDR=<rank 0's host> (or set DGM_MASTER_ADDR).`,
      );
    }
    masterAddr = '127.0.0.1';
  }
  const masterPort = r.port('MASTER_PORT');
  return {
    engine: 'open-mpi',
    rank,
    worldSize,
    localRank,
    workersPerProcess: null,
    masterAddr,
    port: masterPort ?? OPEN_MPI_DEFAULT_PORT,
    portFrom: masterPort !== undefined ? 'MASTER_PORT' : `the default ${OPEN_MPI_DEFAULT_PORT}`,
    read: r.read,
  };
}

// Slurm's srun sets, for each task: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NODEID,
// SLURM_STEP_NODELIST / SLURM_JOB_NODELIST and SLURM_JOB_ID
// (https://slurm.schedmd.com/srun.html#SECTION_OUTPUT-ENVIRONMENT-VARIABLES). Rank 0 runs on the
// first host of the step's node list (block distribution, Slurm's default). The port is
// MASTER_PORT when set, else derived from the job id so two jobs sharing a node differ.
import { expandHostlist } from '../hostlist.js';
import { checkRank, EnvReader, type EngineReading } from './reading.js';

/** Ports derived from SLURM_JOB_ID: 20000 + (job id mod 20000), i.e. 20000-39999. */
export function slurmJobPort(jobId: number): number {
  return 20000 + (jobId % 20000);
}

export function isSlurm(env: NodeJS.ProcessEnv): boolean {
  return env.SLURM_PROCID !== undefined;
}

export function readSlurm(env: NodeJS.ProcessEnv): EngineReading {
  const r = new EnvReader(env, 'Slurm (SLURM_PROCID is set)');
  const why = 'srun sets it for every task; start dgm launch with srun';
  const rank = r.needInt('SLURM_PROCID', 0, why);
  const worldSize = r.int('SLURM_NTASKS', 1) ?? r.needInt('SLURM_NPROCS', 1, why);
  checkRank('SLURM_PROCID', rank, 'SLURM_NTASKS', worldSize);
  const localRank = r.int('SLURM_LOCALID', 0) ?? 0;
  r.int('SLURM_NODEID', 0);
  const nodelistName = env.SLURM_STEP_NODELIST ? 'SLURM_STEP_NODELIST' : 'SLURM_JOB_NODELIST';
  const masterAddr = r.text('MASTER_ADDR') ?? expandHostlist(r.need(nodelistName, why))[0];
  const masterPort = r.port('MASTER_PORT');
  const jobId = masterPort === undefined ? r.needInt('SLURM_JOB_ID', 1, why) : null;
  return {
    engine: 'slurm',
    rank,
    worldSize,
    localRank,
    workersPerProcess: null,
    masterAddr,
    port: masterPort ?? slurmJobPort(jobId as number),
    portFrom: masterPort !== undefined ? 'MASTER_PORT' : '20000 + SLURM_JOB_ID mod 20000',
    read: r.read,
  };
}

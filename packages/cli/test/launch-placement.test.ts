// Where `dgm launch` stands in its job, read from each engine's variables exactly as the engine
// sets them (the documentation of each is cited in src/launch/engines/*.ts), in the documented
// order; and a missing or contradictory variable is one sentence, exit 2, nothing written.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandHostlist } from '../src/launch/hostlist.js';
import { readPlacement, describePlacement } from '../src/launch/placement.js';
import { slurmJobPort } from '../src/launch/engines/slurm.js';
import { masterBindAddress, masterConnectAddress } from '../src/launch/master-bind.js';
import { runDgm } from './support/spawn-dgm.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-placement-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Slurm host lists', () => {
  it('expands ranges with their padding, lists, several groups and plain names', () => {
    expect(expandHostlist('gpu[01-04,07]')).toEqual(['gpu01', 'gpu02', 'gpu03', 'gpu04', 'gpu07']);
    expect(expandHostlist('a[1-2]-b,c')).toEqual(['a1-b', 'a2-b', 'c']);
    expect(expandHostlist('rack[1-2]-n[01-02]')).toEqual(['rack1-n01', 'rack1-n02', 'rack2-n01', 'rack2-n02']);
    expect(expandHostlist('node7')).toEqual(['node7']);
    expect(expandHostlist('n[9-11],login')).toEqual(['n9', 'n10', 'n11', 'login']);
  });

  it('refuses malformed lists in one sentence', () => {
    expect(() => expandHostlist('gpu[01-')).toThrow("the Slurm host list 'gpu[01-' has an unmatched '['.");
    expect(() => expandHostlist('gpu[4-2]')).toThrow("the Slurm host list 'gpu[4-2]' has a bad range '4-2' (expected forms like gpu[01-04,07]).");
    expect(() => expandHostlist('gpu[a-b]')).toThrow(/bad range 'a-b'/);
  });
});

describe('placement', () => {
  it('torchrun: its variables, and the port after MASTER_PORT (torchrun listens there)', () => {
    const p = readPlacement({ TORCHELASTIC_RUN_ID: 'none', RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29500' });
    expect(p).toMatchObject({ engine: 'torchrun', rank: 1, worldSize: 2, localRank: 1, masterAddr: '10.0.0.5', port: 29501 });
    expect(describePlacement(p)).toBe(
      'dgm launch under torchrun: rank 1 of 2 (local rank 1), coordinator at 10.0.0.5:29501 (port from MASTER_PORT+1 (torchrun listens on MASTER_PORT)); read TORCHELASTIC_RUN_ID=none RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 LOCAL_WORLD_SIZE=2 MASTER_ADDR=10.0.0.5 MASTER_PORT=29500',
    );
    expect(readPlacement({ TORCHELASTIC_RUN_ID: 'x', RANK: '0', WORLD_SIZE: '1', MASTER_ADDR: 'h', MASTER_PORT: '29500', DGM_PORT: '7000' }).port).toBe(7000);
  });

  it('Slurm: the first host of the step node list, the port from the job id unless MASTER_PORT', () => {
    const env = { SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', SLURM_NODEID: '2', SLURM_JOB_NODELIST: 'gpu[01-04,07]', SLURM_STEP_NODELIST: 'gpu[03-04]', SLURM_JOB_ID: '123456' };
    expect(readPlacement(env)).toMatchObject({ engine: 'slurm', rank: 5, worldSize: 8, localRank: 1, masterAddr: 'gpu03', port: slurmJobPort(123456) });
    expect(slurmJobPort(123456)).toBe(23456);
    const { SLURM_STEP_NODELIST: _, ...jobOnly } = env;
    expect(readPlacement(jobOnly).masterAddr).toBe('gpu01');
    expect(readPlacement({ ...env, MASTER_PORT: '6000' }).port).toBe(6000);
  });

  it('Open MPI: its ranks; loopback on one node; several nodes need MASTER_ADDR', () => {
    const env = { OMPI_COMM_WORLD_RANK: '2', OMPI_COMM_WORLD_SIZE: '3', OMPI_COMM_WORLD_LOCAL_RANK: '2', OMPI_COMM_WORLD_LOCAL_SIZE: '3' };
    expect(readPlacement(env)).toMatchObject({ engine: 'open-mpi', rank: 2, worldSize: 3, localRank: 2, masterAddr: '127.0.0.1', port: 29500 });
    expect(() => readPlacement({ ...env, OMPI_COMM_WORLD_LOCAL_SIZE: '1', OMPI_COMM_WORLD_LOCAL_RANK: '0' })).toThrow(/pass it with mpirun -x MASTER_ADDR=<rank 0's host>/);
    expect(readPlacement({ ...env, OMPI_COMM_WORLD_LOCAL_SIZE: '1', OMPI_COMM_WORLD_LOCAL_RANK: '0', MASTER_ADDR: 'head' }).masterAddr).toBe('head');
  });

  it('Kubeflow Trainer and PyTorchJob: one process per pod', () => {
    const trainer = { PET_NNODES: '2', PET_NPROC_PER_NODE: '3', PET_NODE_RANK: '1', PET_MASTER_ADDR: 'job-node-0-0.job', PET_MASTER_PORT: '29400' };
    expect(readPlacement(trainer)).toMatchObject({ engine: 'kubeflow-trainer', rank: 1, worldSize: 2, workersPerProcess: 3, masterAddr: 'job-node-0-0.job', port: 29400 });
    expect(readPlacement({ ...trainer, PET_NPROC_PER_NODE: 'auto' }).workersPerProcess).toBeNull();
    const job = { MASTER_ADDR: 'job-master-0', MASTER_PORT: '23456', WORLD_SIZE: '3', RANK: '2' };
    expect(readPlacement(job)).toMatchObject({ engine: 'pytorchjob', rank: 2, worldSize: 3, masterAddr: 'job-master-0', port: 23456 });
  });

  it('the innermost launcher wins: torchrun inside srun, mpirun inside an allocation; DGM_* first', () => {
    const slurm = { SLURM_PROCID: '0', SLURM_NTASKS: '1', SLURM_JOB_NODELIST: 'n1', SLURM_JOB_ID: '9' };
    expect(readPlacement({ ...slurm, TORCHELASTIC_RUN_ID: 'r', RANK: '3', WORLD_SIZE: '4', MASTER_ADDR: 'n1', MASTER_PORT: '29500' }).engine).toBe('torchrun');
    expect(readPlacement({ ...slurm, OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_LOCAL_SIZE: '2' }).engine).toBe('open-mpi');
    expect(readPlacement({ ...slurm, DGM_RANK: '0', DGM_WORLD_SIZE: '1', DGM_PORT: '5000' })).toMatchObject({ engine: 'dgm', masterAddr: '127.0.0.1', port: 5000 });
    expect(readPlacement({ ...slurm, DGM_MASTER_ADDR: 'other', DGM_PORT: '5001' })).toMatchObject({ engine: 'slurm', masterAddr: 'other', port: 5001, portFrom: 'DGM_PORT' });
  });

  it('incomplete or contradictory variables are one sentence each', () => {
    expect(() => readPlacement({})).toThrow(/^dgm launch found no launcher in the environment/);
    expect(() => readPlacement({ TORCHELASTIC_RUN_ID: 'x', RANK: '0', WORLD_SIZE: '2', MASTER_PORT: '1' })).toThrow(
      'torchrun (TORCHELASTIC_RUN_ID is set) was detected but MASTER_ADDR is not set; torchrun sets it for every process it starts.',
    );
    expect(() => readPlacement({ SLURM_PROCID: '3', SLURM_NTASKS: '3', SLURM_JOB_NODELIST: 'n1', SLURM_JOB_ID: '1' })).toThrow(
      'SLURM_PROCID=3 contradicts SLURM_NTASKS=3: a rank must be below the number of ranks.',
    );
    expect(() => readPlacement({ RANK: '1', MASTER_ADDR: 'h', MASTER_PORT: '1' })).toThrow(/WORLD_SIZE is not set; the PyTorchJob operator sets RANK, WORLD_SIZE/);
    expect(() => readPlacement({ OMPI_COMM_WORLD_RANK: 'one', OMPI_COMM_WORLD_SIZE: '2' })).toThrow("OMPI_COMM_WORLD_RANK='one' (from Open MPI (OMPI_COMM_WORLD_RANK is set)) must be a whole number of at least 0.");
    expect(() => readPlacement({ DGM_RANK: '1', DGM_WORLD_SIZE: '2', DGM_PORT: '1' })).toThrow('DGM_WORLD_SIZE=2 needs DGM_MASTER_ADDR, the host of rank 0 where the coordinator listens.');
    expect(() => readPlacement({ PET_NNODES: '2', PET_NODE_RANK: '0', PET_MASTER_ADDR: 'h', PET_MASTER_PORT: '70000' })).toThrow('PET_MASTER_PORT=70000 (from Kubeflow Trainer (PET_NNODES or PET_NODE_RANK is set)) is not a TCP port; use 1-65535.');
  });

  it("rank 0 binds the master address's own IP, never 0.0.0.0, and refuses an address that is not this host's", async () => {
    expect(await masterBindAddress('127.0.0.1', 5555)).toBe('tcp://127.0.0.1:5555');
    expect(await masterBindAddress('localhost', 5555)).toMatch(/^tcp:\/\/127\.\d+\.\d+\.\d+:5555$/);
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): never an address of this host.
    await expect(masterBindAddress('192.0.2.7', 5555)).rejects.toThrow(/^rank 0 runs on \S+, but the master address '192\.0\.2\.7' \(192\.0\.2\.7\) is not one of its addresses; rank 0 must run where the engine says the master is\.$/);
    await expect(masterBindAddress('no-such-host.invalid', 5555)).rejects.toThrow(/^the master address 'no-such-host\.invalid' does not resolve to an IPv4 address/);
  });

  it('the workers dial a master name that resolves to loopback by its IP (so a one-node job needs no keys), any other by name', async () => {
    expect(await masterConnectAddress('localhost', 5555)).toMatch(/^tcp:\/\/127\.\d+\.\d+\.\d+:5555$/);
    expect(await masterConnectAddress('10.1.2.3', 5555)).toBe('tcp://10.1.2.3:5555');
    expect(await masterConnectAddress('no-such-host.invalid', 5555)).toBe('tcp://no-such-host.invalid:5555');
    expect(await masterConnectAddress('fd00::1', 5555)).toBe('tcp://[fd00::1]:5555');
  });

  it('dgm launch with contradictory variables exits 2 with one sentence and writes nothing', async () => {
    const cwd = join(root, 'bad');
    rmSync(cwd, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cwd);
    const env = { SLURM_PROCID: '4', SLURM_NTASKS: '2', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_JOB_ID: '77' };
    const r = await runDgm(['launch', '--steps', '2'], { cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: SLURM_PROCID=4 contradicts SLURM_NTASKS=2: a rank must be below the number of ranks.\n');
    const none = await runDgm(['launch', '--steps', '2', '--rank', '0'], { cwd, env: {} });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: dgm (DGM_RANK or DGM_WORLD_SIZE is set) was detected but DGM_WORLD_SIZE is not set; DGM_RANK and DGM_WORLD_SIZE go together.\n');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

// `dgm launch` under the real engines installed here (torchrun from python3-torch, mpirun from
// openmpi-bin), and under exactly the variables Kubernetes and Kubeflow set in each pod (no
// cluster runs here, so those variables are fed on loopback): every run trains, and a run under
// torchrun ends with the same weights as `dgm train` with as many workers. Also the bounded
// rendezvous: a rank that never comes is named on every rank within the join timeout.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envWithDgm } from './support/dgm-on-path.js';
import { freePort } from './support/free-port.js';
import { runTool } from './support/run-tool.js';
import { runDgm, startDgm } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-launch-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 24, 8, 8, (i) => 7 + 10 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tiny run: the VAE on 24 flat 8x8 images, 3 steps of 6. */
const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--steps', '3', '--batch-size', '6'];

/** Every weight and optimizer byte of a run's final checkpoint, by file. */
function finalWeights(run: string): Record<string, string> {
  const dir = join(run, 'checkpoints', readFileSync(join(run, 'checkpoints/latest'), 'utf8').trim());
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else if (e.name.endsWith('.bin')) out[`${prefix}${e.name}`] = readFileSync(join(d, e.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

/** The ranks the coordinator admitted, from its log. */
function joinedRanks(run: string): number[] {
  return readFileSync(join(run, 'logs/coordinator.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { message: string; rank: number })
    .filter((e) => e.message === 'worker joined')
    .map((e) => e.rank)
    .sort();
}

describe('dgm launch under real engines', () => {
  let reference: Record<string, string>;

  beforeAll(async () => {
    const r = await runDgm(['train', '--workers', '2', ...TINY, '--out', join(root, 'train-2')], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    reference = finalWeights(join(root, 'train-2'));
  });

  it('torchrun --nproc_per_node 2 trains to the same weights as dgm train --workers 2', async () => {
    const out = join(root, 'torchrun');
    const port = await freePort();
    // --redirects 1 --tee 1: Debian's PyTorch 1.13 on Python 3.11 cannot parse its own default of
    // 0 for these (its Std flag enum no longer iterates the 0 member), so they are given.
    // --log_dir: without it torchrun keeps its ranks' logs in a /tmp/torchelastic_* it never removes.
    const r = await runTool('torchrun', ['--redirects', '1', '--tee', '1', '--log_dir', join(root, 'torchrun-logs'), '--no_python', '--nnodes', '1', '--nproc_per_node', '2', '--master_port', String(port), 'dgm', 'launch', ...TINY, '--out', out], { cwd: root, env: envWithDgm() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`dgm launch under torchrun: rank 1 of 2 (local rank 1), coordinator at 127.0.0.1:${port + 1} (port from MASTER_PORT+1 (torchrun listens on MASTER_PORT)); read TORCHELASTIC_RUN_ID=`);
    expect(joinedRanks(out)).toEqual([0, 1]);
    expect(finalWeights(out)).toEqual(reference);
  });

  it('mpirun -n 3 trains, each process at its MPI rank', async () => {
    const out = join(root, 'mpirun');
    const port = await freePort();
    const r = await runTool('mpirun', ['--allow-run-as-root', '--oversubscribe', '-n', '3', '-x', `DGM_PORT=${port}`, 'dgm', 'launch', ...TINY, '--out', out], { cwd: root, env: envWithDgm() });
    expect(r.code, r.stderr).toBe(0);
    for (const rank of [0, 1, 2]) expect(r.stderr).toContain(`dgm launch under open-mpi: rank ${rank} of 3 (local rank ${rank}), coordinator at 127.0.0.1:${port} (port from DGM_PORT); read OMPI_COMM_WORLD_RANK=${rank} OMPI_COMM_WORLD_SIZE=3`);
    expect(joinedRanks(out)).toEqual([0, 1, 2]);
    expect(readFileSync(join(out, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000003');
  });
});

describe('dgm launch under the variables of each Kubernetes manifest (examples/k8s), on loopback', () => {
  /** Runs one `dgm launch` per pod with that pod's variables; all must exit 0. */
  async function pods(name: string, perPod: NodeJS.ProcessEnv[], extra: string[] = []): Promise<string> {
    const out = join(root, name);
    const runs = perPod.map((env) => runDgm(['launch', ...TINY, '--out', out, ...extra], { cwd: root, env }));
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000003');
    return out;
  }

  it('an Indexed Job with a headless Service (examples/k8s/indexed-job.yaml)', async () => {
    const port = await freePort();
    // Kubernetes sets JOB_COMPLETION_INDEX in each pod of an Indexed Job
    // (https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode); the
    // manifest maps it to DGM_RANK and names rank 0's pod through the headless Service
    // (dgm-0.dgm), which is 127.0.0.1 here.
    const pod = (index: number): NodeJS.ProcessEnv => ({ JOB_COMPLETION_INDEX: String(index), DGM_RANK: String(index), DGM_WORLD_SIZE: '2', DGM_MASTER_ADDR: '127.0.0.1', DGM_PORT: String(port) });
    // Pods start in any order: here pod 1 is up and waiting for seconds before rank 0 exists.
    const out = join(root, 'indexed-job');
    const late = startDgm(['launch', ...TINY, '--out', out], { cwd: root, env: pod(1) });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (late.stderr.includes('Started 1 worker process at rank 1')) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    await new Promise((r) => setTimeout(r, 3000));
    const first = await runDgm(['launch', ...TINY, '--out', out], { cwd: root, env: pod(0) });
    expect(first.code, first.stderr).toBe(0);
    expect(await late.exited, late.stderr).toBe(0);
    expect(joinedRanks(out)).toEqual([0, 1]);
  });

  it('a Kubeflow PyTorchJob, one pod per node (examples/k8s/pytorchjob.yaml)', async () => {
    const port = await freePort();
    // The training operator sets MASTER_ADDR (the master's Service), MASTER_PORT (the container
    // port named pytorchjob-port), WORLD_SIZE (pods) and RANK (master 0, workers 1..)
    // (https://www.kubeflow.org/docs/components/trainer/legacy-v1/user-guides/pytorch/).
    const pod = (rank: number): NodeJS.ProcessEnv => ({ PYTHONUNBUFFERED: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', RANK: String(rank) });
    const out = await pods('pytorchjob', [pod(0), pod(1)]);
    expect(joinedRanks(out)).toEqual([0, 1]);
  });

  it('a Kubeflow TrainJob, two nodes of two workers (examples/k8s/trainjob.yaml)', async () => {
    const port = await freePort();
    // Kubeflow Trainer's torch runtime sets these in each node's container
    // (https://www.kubeflow.org/docs/components/trainer/operator-guides/runtime/): PET_NNODES,
    // PET_NPROC_PER_NODE (numProcPerNode), PET_NODE_RANK (the node's index), PET_MASTER_ADDR
    // (node 0's pod: <job>-node-0-0.<job>) and PET_MASTER_PORT (29400).
    const pod = (node: number): NodeJS.ProcessEnv => ({ PET_NNODES: '2', PET_NPROC_PER_NODE: '2', PET_NODE_RANK: String(node), PET_MASTER_ADDR: '127.0.0.1', PET_MASTER_PORT: String(port) });
    const out = await pods('trainjob', [pod(0), pod(1)]);
    expect(joinedRanks(out)).toEqual([0, 1, 2, 3]);
  });
});

describe('bounded rendezvous', () => {
  it('a rank that never comes is named on every rank within the join timeout', async () => {
    const port = await freePort();
    const out = join(root, 'missing');
    mkdirSync(out);
    const pod = (rank: number): NodeJS.ProcessEnv => ({ DGM_RANK: String(rank), DGM_WORLD_SIZE: '3', DGM_MASTER_ADDR: '127.0.0.1', DGM_PORT: String(port) });
    const started = Date.now();
    const [r0, r1] = await Promise.all([0, 1].map((rank) => runDgm(['launch', ...TINY, '--out', join(out, 'run'), '--join-timeout-ms', '15000'], { cwd: root, env: pod(rank) })));
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(r0.code, r0.stderr).toBe(1);
    expect(r0.stderr).toContain('error: only 2 of 3 workers joined within 15000 ms; start the missing workers (rank 2) with --connect pointing at this coordinator, or lower the worker count.');
    expect(r1.code, r1.stderr).toBe(1);
    expect(r1.stderr).toContain('error: the coordinator on rank 0 stopped the run: only 2 of 3 workers joined within 15000 ms; start the missing workers (rank 2)');
  });

  it('without rank 0, the other ranks name it within the join timeout', async () => {
    const port = await freePort();
    const p = startDgm(['launch', ...TINY, '--out', join(root, 'no-rank-0'), '--join-timeout-ms', '3000'], { cwd: root, env: { DGM_RANK: '1', DGM_WORLD_SIZE: '2', DGM_MASTER_ADDR: '127.0.0.1', DGM_PORT: String(port) } });
    expect(await p.exited, p.stderr).toBe(1);
    expect(p.stderr).toContain(`error: rank 0, which hosts the coordinator at tcp://127.0.0.1:${port}, never came: no answer from a coordinator at tcp://127.0.0.1:${port} within 3000 ms`);
  });
});

describe('a job off loopback is closed', () => {
  /** This host's first non-loopback IPv4 address: a master address other machines could reach. */
  function outsideAddress(): string {
    const found = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!found) throw new Error('this machine has no non-loopback IPv4 address to bind a closed job to');
    return found.address;
  }

  it('refuses to start without keys (one sentence, exit 2), and trains with one shared key pair', async () => {
    const master = outsideAddress();
    const port = await freePort();
    const pod = (rank: number): NodeJS.ProcessEnv => ({ DGM_RANK: String(rank), DGM_WORLD_SIZE: '2', DGM_MASTER_ADDR: master, DGM_PORT: String(port) });
    const open = await runDgm(['launch', ...TINY, '--out', join(root, 'open-job')], { cwd: root, env: pod(0) });
    expect(open.code, open.stderr).toBe(2);
    expect(open.stderr).toContain(`error: the job's coordinator at ${master}:${port} can be reached from other machines, so the job needs keys: make them once with dgm keys new --out DIR and give every process --key DIR/secret.key --allow DIR/public.key --server-key DIR/public.key, or pass --insecure`);
    expect(existsSync(join(root, 'open-job'))).toBe(false);

    const keys = join(root, 'job-keys');
    expect((await runDgm(['keys', 'new', '--out', keys], { cwd: root })).code).toBe(0);
    const keyFlags = ['--key', join(keys, 'secret.key'), '--allow', join(keys, 'public.key'), '--server-key', join(keys, 'public.key')];
    const out = join(root, 'closed-job');
    const runs = [0, 1].map((rank) => runDgm(['launch', ...TINY, '--out', out, ...keyFlags], { cwd: root, env: pod(rank) }));
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
    expect(joinedRanks(out)).toEqual([0, 1]);
  });
});

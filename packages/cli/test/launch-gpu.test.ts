// GPU placement under a scheduler: what it granted (CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES;
// indices or GPU-/MIG- UUIDs) is passed through as it is, and nvidia-smi — which lists every GPU of
// the machine, including other jobs' — is never asked when something was granted (its stand-in
// here records every call). Then `dgm launch` in both job shapes, in real processes, with the
// documented stand-in for tfjs-node-gpu recording the CUDA environment each worker loaded it with.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantedGpus, resolveGpuIds } from '../src/index.js';
import { localSlots } from '../src/launch/local-devices.js';
import { readPlacement } from '../src/launch/placement.js';
import { freePort } from './support/free-port.js';
import { nvidiaSmiStandIn } from './support/nvidia-smi-stand-in.js';
import { runDgm } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const STAND_IN = fileURLToPath(new URL('./fixtures/tfjs-node-gpu-stand-in.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dgm-cli-launch-gpu-'));
const data = join(root, 'images.npy');
const smiCalls = join(root, 'nvidia-smi-calls');
beforeAll(() => writeFlatImages(data, 20, 8, 8, (i) => 10 + 12 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const GPU_A = 'GPU-11111111-2222-3333-4444-555555555555';
const GPU_B = 'GPU-66666666-7777-8888-9999-000000000000';
const MIG_A = 'MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const MIG_B = 'MIG-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee';

/** PATH with the stand-in nvidia-smi listing four GPUs, GPU 3 in MIG mode; each call is recorded. */
function smiEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const listing = ['GPU 0: A100 (UUID: GPU-0)', 'GPU 1: A100 (UUID: GPU-1)', 'GPU 2: A100 (UUID: GPU-2)', 'GPU 3: A100 (UUID: GPU-3)', `  MIG 3g.20gb Device 0: (UUID: ${MIG_A})`, `  MIG 3g.20gb Device 1: (UUID: ${MIG_B})`].join('\n');
  const { PATH } = nvidiaSmiStandIn(join(root, 'bin'), listing, { calls: smiCalls });
  return { PATH, ...extra };
}

function smiWasCalled(): boolean {
  const called = existsSync(smiCalls);
  rmSync(smiCalls, { force: true });
  return called;
}

describe('granted GPUs', () => {
  it('passes UUIDs and indices through as granted, CUDA_VISIBLE_DEVICES before NVIDIA_VISIBLE_DEVICES', () => {
    expect(grantedGpus({ CUDA_VISIBLE_DEVICES: `${GPU_A},${GPU_B}` })?.devices).toEqual([GPU_A, GPU_B]);
    expect(grantedGpus({ CUDA_VISIBLE_DEVICES: `${MIG_A}` })?.devices).toEqual([MIG_A]);
    expect(grantedGpus({ CUDA_VISIBLE_DEVICES: '3,1' })?.devices).toEqual([3, 1]);
    expect(grantedGpus({ NVIDIA_VISIBLE_DEVICES: `${GPU_B},${GPU_A}` })?.devices).toEqual([GPU_B, GPU_A]);
    expect(grantedGpus({ CUDA_VISIBLE_DEVICES: '0', NVIDIA_VISIBLE_DEVICES: GPU_A })?.devices).toEqual([0]);
    expect(grantedGpus({ NVIDIA_VISIBLE_DEVICES: 'all' })).toBeNull();
    expect(grantedGpus({})).toBeNull();
    expect(grantedGpus({ NVIDIA_VISIBLE_DEVICES: 'none' })?.devices).toEqual([]);
    expect(() => grantedGpus({ CUDA_VISIBLE_DEVICES: '0,gpu-x' })).toThrow("CUDA_VISIBLE_DEVICES='0,gpu-x' has the entry 'gpu-x', which is neither a GPU index such as 0 nor a GPU-… / MIG-… UUID.");
  });

  it('--gpus all uses the grant and never asks nvidia-smi; without one it lists MIG instances', () => {
    smiWasCalled();
    expect(resolveGpuIds('all', smiEnv({ CUDA_VISIBLE_DEVICES: `${GPU_B},${MIG_A}` }))).toEqual([GPU_B, MIG_A]);
    expect(resolveGpuIds('all', smiEnv({ NVIDIA_VISIBLE_DEVICES: GPU_A }))).toEqual([GPU_A]);
    expect(smiWasCalled()).toBe(false);
    expect(() => resolveGpuIds('all', smiEnv({ NVIDIA_VISIBLE_DEVICES: 'void' }))).toThrow("--gpus all found no usable GPU: NVIDIA_VISIBLE_DEVICES='void' hides them all");
    expect(resolveGpuIds('all', smiEnv({ NVIDIA_VISIBLE_DEVICES: 'all' }))).toEqual([0, 1, 2, MIG_A, MIG_B]);
    expect(smiWasCalled()).toBe(true);
  });

  it('--gpu auto: the one GPU a scheduler narrowed a process to, else the granted GPU at its local rank', () => {
    const at = (localRank: number, env: NodeJS.ProcessEnv) =>
      localSlots({ gpus: null, gpu: 'auto', workers: null }, readPlacement({ DGM_RANK: String(localRank), DGM_WORLD_SIZE: '4', DGM_LOCAL_RANK: String(localRank), DGM_MASTER_ADDR: 'h', DGM_PORT: '1' }), smiEnv(env));
    smiWasCalled();
    // Slurm --gpus-per-task=1: each task sees one device; it is left alone whatever the local rank.
    expect(at(3, { CUDA_VISIBLE_DEVICES: GPU_B })).toEqual([{ index: 0, gpu: GPU_B }]);
    expect(at(1, { CUDA_VISIBLE_DEVICES: `${GPU_A},${GPU_B}` })).toEqual([{ index: 0, gpu: GPU_B }]);
    expect(at(1, { NVIDIA_VISIBLE_DEVICES: `${MIG_A},${MIG_B}` })).toEqual([{ index: 0, gpu: MIG_B }]);
    expect(smiWasCalled()).toBe(false);
    expect(() => at(2, { CUDA_VISIBLE_DEVICES: `${GPU_A},${GPU_B}` })).toThrow(
      `--gpu auto: local rank 2 has no GPU of its own (CUDA_VISIBLE_DEVICES='${GPU_A},${GPU_B}' gives 2); start at most 2 processes per node, or grant each its GPU.`,
    );
    // Nothing granted: the machine's devices (MIG instances by UUID) by local rank.
    expect(at(3, {})).toEqual([{ index: 0, gpu: MIG_A }]);
    expect(smiWasCalled()).toBe(true);
  });
});

describe('dgm launch on GPUs (tfjs-node-gpu stood in for)', () => {
  const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--steps', '2', '--batch-size', '4'];

  function loads(dir: string): { pid: number; argv: string[]; cuda?: string }[] {
    return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  }

  function devicesJoined(run: string): string[] {
    return readFileSync(join(run, 'logs/coordinator.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; device: string; rank: number })
      .filter((e) => e.message === 'worker joined')
      .sort((a, b) => a.rank - b.rank)
      .map((e) => e.device);
  }

  it('one process per GPU: --gpu auto pins each process to the granted UUID at its local rank', async () => {
    const records = join(root, 'per-gpu');
    mkdirSync(records);
    const out = join(root, 'per-gpu-run');
    const port = await freePort();
    const pod = (rank: number): NodeJS.ProcessEnv =>
      smiEnv({ ...process.env, PATH: smiEnv().PATH, DGM_TFJS_NODE_GPU_STAND_IN: STAND_IN, DGM_STAND_IN_RECORD_DIR: records, CUDA_VISIBLE_DEVICES: `${GPU_A},${GPU_B}`, DGM_RANK: String(rank), DGM_LOCAL_RANK: String(rank), DGM_WORLD_SIZE: '2', DGM_MASTER_ADDR: '127.0.0.1', DGM_PORT: String(port) });
    const runs = await Promise.all([0, 1].map((rank) => runDgm(['launch', '--gpu', 'auto', ...TINY, '--out', out], { cwd: root, env: pod(rank) })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const workers = loads(records).filter((l) => l.argv.includes('worker'));
    expect(workers.map((w) => [w.argv[w.argv.indexOf('--rank') + 1], w.cuda]).sort()).toEqual([['0', GPU_A], ['1', GPU_B]]);
    expect(devicesJoined(out)).toEqual([`gpu:${GPU_A}`, `gpu:${GPU_B}`]);
    expect(smiWasCalled()).toBe(false);
  });

  it('one process per node: --gpus all starts a worker per granted MIG instance', async () => {
    const records = join(root, 'per-node');
    mkdirSync(records);
    const out = join(root, 'per-node-run');
    const port = await freePort();
    const env = smiEnv({ ...process.env, PATH: smiEnv().PATH, DGM_TFJS_NODE_GPU_STAND_IN: STAND_IN, DGM_STAND_IN_RECORD_DIR: records, NVIDIA_VISIBLE_DEVICES: `${MIG_B},${MIG_A}`, RANK: '0', WORLD_SIZE: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
    delete env.CUDA_VISIBLE_DEVICES;
    const r = await runDgm(['launch', '--gpus', 'all', ...TINY, '--out', out], { cwd: root, env });
    expect(r.code, r.stderr).toBe(0);
    expect(devicesJoined(out)).toEqual([`gpu:${MIG_B}`, `gpu:${MIG_A}`]);
    const workers = loads(records).filter((l) => l.argv.includes('worker'));
    expect(workers.map((w) => w.cuda).sort()).toEqual([MIG_A, MIG_B]);
    expect(smiWasCalled()).toBe(false);
  });
});

// The GPU launch paths, in real processes, on a machine without a GPU. Only what cannot exist
// here is stood in for: @tensorflow/tfjs-node-gpu (CUDA) is replaced, through the documented
// test hook DGM_TFJS_NODE_GPU_STAND_IN, by a module that registers a 'tensorflow' backend and
// records the environment it was loaded with (test/fixtures/tfjs-node-gpu-stand-in.mjs). The rest
// runs for real: `dgm train --gpus` turning ids into one `dgm worker --gpu <id>` per GPU, each
// worker pinning its device (CUDA_VISIBLE_DEVICES, set before the GPU package loads), training,
// and reporting its device to the coordinator.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from './support/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDgm, startDgm } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const STAND_IN = fileURLToPath(new URL('./fixtures/tfjs-node-gpu-stand-in.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dgm-cli-gpu-launch-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 20, 8, 8, (i) => 10 + 12 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--steps', '2', '--batch-size', '4'];

/** The environment of a dgm process whose GPU package is the stand-in; it records into `dir`. */
function standInEnv(dir: string): NodeJS.ProcessEnv {
  mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { DGM_TFJS_NODE_GPU_STAND_IN: STAND_IN, DGM_STAND_IN_RECORD_DIR: dir };
  return env;
}

/** What the stand-in saw in each process that loaded it, by pid. */
function loads(dir: string): { pid: number; argv: string[]; cuda?: string; order?: string; growth?: string }[] {
  return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

it('dgm train --gpus 0,1 starts one worker per GPU, each seeing only its own device', async () => {
  const records = join(root, 'train-records');
  const out = join(root, 'train-run');
  // CUDA_VISIBLE_DEVICES of the parent must not leak into the workers: each gets its own.
  const r = await runDgm(['train', '--gpus', '0,1', ...TINY, '--out', out, '--json'], { cwd: root, env: { ...standInEnv(records), CUDA_VISIBLE_DEVICES: '0,1' } });
  expect(r.code, r.stderr).toBe(0);
  const workers = r.events.find((e) => e.event === 'workers') as { pids: number[]; gpus: number[] };
  expect(workers.gpus).toEqual([0, 1]);
  // Each worker process loaded the GPU package with exactly its GPU visible, and was started as `dgm worker --gpu <id>`.
  const byPid = new Map(loads(records).map((l) => [l.pid, l]));
  workers.pids.forEach((pid, i) => {
    const seen = byPid.get(pid);
    expect(seen, `worker ${pid} never loaded the GPU package`).toBeDefined();
    expect(seen).toMatchObject({ cuda: String(i), order: 'PCI_BUS_ID', growth: 'true' });
    expect(seen!.argv.slice(seen!.argv.indexOf('--gpu'), seen!.argv.indexOf('--gpu') + 2)).toEqual(['--gpu', String(i)]);
  });
  // The coordinator heard from each worker which device it runs on.
  const joined = readFileSync(join(out, 'logs/coordinator.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.message === 'worker joined');
  expect(joined.map((e) => e.device).sort()).toEqual(['gpu:0', 'gpu:1']);
  expect(joined.every((e) => e.backend === 'tensorflow')).toBe(true);
  expect(r.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', step: 2 });
});

it('dgm worker --gpu 3 pins itself to GPU 3 before the GPU package loads', async () => {
  const records = join(root, 'worker-records');
  const port = await freePort();
  const coordinator = startDgm(['coordinator', '--bind', `tcp://127.0.0.1:${port}`, '--workers', '1', ...TINY, '--out', join(root, 'worker-run'), '--json'], { cwd: root });
  await coordinator.waitFor((e) => e.event === 'listening');
  // Started by hand, as on a cluster node (no launcher): the worker sets its own environment.
  const worker = await runDgm(['worker', '--connect', `tcp://127.0.0.1:${port}`, '--gpu', '3', '--json'], { cwd: root, env: standInEnv(records) });
  expect(worker.code, worker.stderr).toBe(0);
  expect(await coordinator.exited, coordinator.stderr).toBe(0);
  expect(worker.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', steps: 2, backend: 'tensorflow', device: 'gpu:3' });
  const [seen] = loads(records);
  expect(seen).toMatchObject({ pid: worker.child.pid, cuda: '3', order: 'PCI_BUS_ID', growth: 'true' });
});

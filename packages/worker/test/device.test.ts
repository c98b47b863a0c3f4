// Device pinning: the launcher computes each worker's environment (one visible GPU, memory
// growth on; or no GPU at all), and the worker reports what it got. The GPU package is a
// stand-in (no GPU here) that records the environment it was loaded under.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'zeromq';
import { decodeMessage, encodeMessage } from '@dgm/protocol';
import { describeDevice, DeviceAssignmentError, workerEnv, type DeviceAssignment } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** What workerEnv adds for the C allocator (allocator-env.test.ts checks the rules). */
const TUNED = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864' };
const fixture = fileURLToPath(new URL('./fixtures/gpu-stand-in-worker.mjs', import.meta.url));

describe('workerEnv', () => {
  it('shows a GPU worker exactly its GPU, with memory growth, and hides every GPU from a CPU worker', () => {
    const base = { PATH: '/bin', CUDA_VISIBLE_DEVICES: '0,1,2,3', TF_FORCE_GPU_ALLOW_GROWTH: 'false' };
    expect(workerEnv(base, { gpu: 2 })).toEqual({ PATH: '/bin', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: '2', TF_FORCE_GPU_ALLOW_GROWTH: 'true', ...TUNED });
    expect(workerEnv(base, { gpu: null })).toEqual({ PATH: '/bin', CUDA_VISIBLE_DEVICES: '-1', ...TUNED });
    expect(base.CUDA_VISIBLE_DEVICES).toBe('0,1,2,3'); // not modified
    expect(() => workerEnv(base, { gpu: -1 })).toThrow(DeviceAssignmentError);
    expect(() => workerEnv(base, { gpu: 1.5 })).toThrow('GPU id 1.5 is not allowed; use a non-negative integer such as 0.');
  });

  it('passes a GPU or MIG UUID through as granted, and refuses anything else', () => {
    const mig = 'MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    expect(workerEnv({}, { gpu: mig })).toEqual({ CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: mig, TF_FORCE_GPU_ALLOW_GROWTH: 'true', ...TUNED });
    expect(workerEnv({}, { gpu: 'GPU-1234abcd' }).CUDA_VISIBLE_DEVICES).toBe('GPU-1234abcd');
    expect(workerEnv({}, { gpu: 'MIG-GPU-1234abcd/1/0' }).CUDA_VISIBLE_DEVICES).toBe('MIG-GPU-1234abcd/1/0');
    expect(() => workerEnv({}, { gpu: 'gpu0' })).toThrow(DeviceAssignmentError);
    expect(() => workerEnv({}, { gpu: '0,1' })).toThrow(DeviceAssignmentError);
    const gpu = { backend: 'tensorflow', detail: '@tensorflow/tfjs-node-gpu (native TensorFlow, CUDA GPU)' };
    expect(describeDevice({ CUDA_VISIBLE_DEVICES: mig }, gpu)).toBe(`gpu:${mig}`);
  });

  it('describes the device from the environment and the active backend', () => {
    const gpu = { backend: 'tensorflow', detail: '@tensorflow/tfjs-node-gpu (native TensorFlow, CUDA GPU)' };
    expect(describeDevice({ CUDA_VISIBLE_DEVICES: '3' }, gpu)).toBe('gpu:3');
    expect(describeDevice({ CUDA_VISIBLE_DEVICES: '-1' }, gpu)).toBe('cpu');
    expect(describeDevice({}, gpu)).toBe('gpu:all-visible');
    expect(describeDevice({ CUDA_VISIBLE_DEVICES: '3' }, { backend: 'tensorflow', detail: '@tensorflow/tfjs-node (native TensorFlow, CPU)' })).toBe('cpu');
    expect(describeDevice({ CUDA_VISIBLE_DEVICES: '3' }, { backend: 'wasm', detail: 'wasm' })).toBe('cpu');
  });
});

/** Launches the stand-in worker with the launcher's env for `device`; returns its HELLO and what the GPU package saw. */
async function launch(device: DeviceAssignment, name: string) {
  const router = new Router({ linger: 0, receiveTimeout: 30_000 });
  await router.bind('tcp://127.0.0.1:*');
  const record = join(dir, `${name}.json`);
  const child = spawn(process.execPath, [fixture, router.lastEndpoint!, record], { env: workerEnv(process.env, device), stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const [id, ...frames] = await router.receive();
    const hello = decodeMessage(frames);
    await router.send([id, ...encodeMessage({ type: 'REJECT', run: '', reason: 'pinning test over' })]);
    return { hello, code: await exited, seen: JSON.parse(readFileSync(record, 'utf8')) };
  } finally {
    child.kill('SIGKILL');
    router.close();
  }
}

describe('a launched worker', () => {
  it('loads the GPU package with only its GPU visible and reports that GPU in HELLO', async () => {
    const { hello, code, seen } = await launch({ gpu: 1 }, 'gpu1');
    expect(seen).toEqual({ specifier: '@tensorflow/tfjs-node-gpu', CUDA_VISIBLE_DEVICES: '1', TF_FORCE_GPU_ALLOW_GROWTH: 'true' });
    expect(hello.ok && hello.message.type === 'HELLO' && [hello.message.backend, hello.message.device]).toEqual(['tensorflow', 'gpu:1']);
    expect(code).toBe(2); // rejected: exits with the bad-input code
  });

  it('loads it with no GPU visible for a CPU worker and reports cpu', async () => {
    const { hello, seen } = await launch({ gpu: null }, 'cpu');
    expect(seen.CUDA_VISIBLE_DEVICES).toBe('-1');
    expect(seen.TF_FORCE_GPU_ALLOW_GROWTH).toBeNull();
    expect(hello.ok && hello.message.type === 'HELLO' && hello.message.device).toBe('cpu');
  });
});

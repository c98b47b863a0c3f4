// The promise of synchronous data parallelism: N workers with global batch B follow the
// trajectory of one process with batch B (per-sample noise keyed by global sample index, the
// global-window sampler, sample-weighted averaging). Real coordinator, real worker processes,
// real sockets; tiny models so the whole file takes seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { maxAbsDiff, referenceWeights, weightsOf } from './support/reference.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-equiv-'));
const small = join(dir, 'small.npy');
const mnistSized = join(dir, 'mnist-sized.npy');

beforeAll(async () => {
  await initBackend('wasm');
  writeNpyImages(small, 120, 8, 8);
  writeNpyImages(mnistSized, 60, 28, 28);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

// Why a tolerance at all: a worker averages over its own slice, so float32 sums are grouped
// differently than in one process (about one ulp per gradient). Where a gradient is a sum that
// nearly cancels (a bias), that ulp is a sizeable fraction of it, and Adam, which divides by
// the gradient's own scale, turns it into a sizeable fraction of a full step; GAN dynamics then
// amplify it. Measured for this dcgan (20 steps, 2 | 3 workers): seed 13 2e-8 | 2e-8, seed 5
// 2e-5 | 6e-5, seed 21 1.4e-4 | 6e-7; at width 2 up to 2e-3. The runs are deterministic, so the
// test pins seed 13; a 1-worker run must match exactly (no rounding is introduced by the wire
// or the averaging).
const B = 10; // splits 5/5 over two workers and 4/3/3 over three: uneven slices on purpose
const configs: Record<string, RunConfig> = {
  vae: { model: 'vae', modelOptions: { imageShape: [8, 8, 1], latentDim: 3, hidden: [16] }, trainer: {}, data: `npy:${small}`, seed: 11, globalBatch: B, steps: 20 },
  'mlp-gan': { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16] }, trainer: {}, data: `npy:${small}`, seed: 12, globalBatch: B, steps: 20 },
  dcgan: { model: 'dcgan', modelOptions: { imageShape: [28, 28, 1], latentDim: 4, width: 8, normalization: 'none' }, trainer: {}, data: `npy:${mnistSized}`, seed: 13, globalBatch: B, steps: 20 },
};

/** Runs `config` with `workers` worker processes; returns rank 0's final weights. */
async function distributed(config: RunConfig, workers: number, dataPlane: 'auto' | 'star' = 'auto') {
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers, backend: 'wasm', checkEvery: 10, timeoutMs: 5000, joinTimeoutMs: 60_000, dataPlane, logger: quietLogger() });
  const procs = Array.from({ length: workers }, () => spawnWorker(handle.address));
  const result = await handle.done;
  const exits = await Promise.all(procs.map((p) => p.exit));
  return { result, exits };
}

it('1 worker averages alone (solo plane, no GRADS crosses) and reproduces one process and the 1-worker star bit for bit', async () => {
  const config = configs['mlp-gan'];
  const [solo, star] = [await distributed(config, 1), await distributed(config, 1, 'star')];
  for (const { exits } of [solo, star]) expect(exits[0].code, exits[0].stderr).toBe(0);
  expect(solo.result.dataPlane).toBe('solo'); // auto: one worker has nobody to average with
  expect(star.result.dataPlane).toBe('star'); // named: the star's round trip, even alone
  // On the solo plane the coordinator takes no plane message: a GRADS would be dropped and counted here.
  expect(solo.result.droppedMessages).toBe(0);
  const weights = weightsOf(solo.result.finalState);
  expect(maxAbsDiff(weights, await referenceWeights(config))).toBe(0);
  expect(maxAbsDiff(weights, weightsOf(star.result.finalState))).toBe(0);
  expect(solo.result.finalHash).toBe(star.result.finalHash);
});

describe.each(Object.keys(configs))('%s', (name) => {
  const config = configs[name];
  let reference: Map<string, Float32Array>;
  beforeAll(async () => {
    reference = await referenceWeights(config);
  });

  // 'auto' averages through shared memory on a host with /dev/shm (as here); 'star' through the coordinator.
  it.each([
    [2, 'auto'],
    [3, 'auto'],
    [2, 'star'],
  ] as const)('%i workers (data plane %s) end within 1e-4 of one process after 20 steps', async (workers, plane) => {
    const { result, exits } = await distributed(config, workers, plane);
    expect(result.dataPlane).toBe(plane === 'star' || !existsSync('/dev/shm') ? 'star' : 'shared');
    expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual(new Array(workers).fill(0));
    expect(result.steps).toBe(20);
    const diff = maxAbsDiff(weightsOf(result.finalState), reference);
    expect(diff).toBeLessThanOrEqual(1e-4);
    // Not vacuous: training moved the weights well beyond the tolerance.
    const start = await referenceWeights({ ...config, steps: 0 });
    expect(maxAbsDiff(reference, start)).toBeGreaterThan(1e-3);
  });
});

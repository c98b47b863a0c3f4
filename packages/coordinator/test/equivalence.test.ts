// The promise of synchronous data parallelism: N workers with global batch B follow the
// trajectory of one process with batch B (per-sample noise keyed by global sample index, the
// global-window sampler, sample-weighted averaging). Real coordinator, real worker processes,
// real sockets; tiny models so the whole file takes seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
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

const B = 10; // splits 5/5 over two workers and 4/3/3 over three: uneven slices on purpose
const configs: Record<string, RunConfig> = {
  vae: { model: 'vae', modelOptions: { imageShape: [8, 8, 1], latentDim: 3, hidden: [16] }, trainer: {}, data: `npy:${small}`, seed: 11, globalBatch: B, steps: 20 },
  'mlp-gan': { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16] }, trainer: {}, data: `npy:${small}`, seed: 12, globalBatch: B, steps: 20 },
  dcgan: { model: 'dcgan', modelOptions: { imageShape: [28, 28, 1], latentDim: 4, width: 2, normalization: 'none' }, trainer: {}, data: `npy:${mnistSized}`, seed: 13, globalBatch: B, steps: 20 },
};

/** Runs `config` with `workers` worker processes; returns rank 0's final weights. */
async function distributed(config: RunConfig, workers: number) {
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers, backend: 'wasm', checkEvery: 10, timeoutMs: 5000, joinTimeoutMs: 60_000 });
  const procs = Array.from({ length: workers }, () => spawnWorker(handle.address));
  const result = await handle.done;
  const exits = await Promise.all(procs.map((p) => p.exit));
  return { result, exits };
}

describe.each(Object.keys(configs))('%s', (name) => {
  const config = configs[name];
  let reference: Map<string, Float32Array>;
  beforeAll(async () => {
    reference = await referenceWeights(config);
  });

  it.each([2, 3])('%i workers end within 1e-4 of one process after 20 steps', async (workers) => {
    const { result, exits } = await distributed(config, workers);
    expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual(new Array(workers).fill(0));
    expect(result.steps).toBe(20);
    const diff = maxAbsDiff(weightsOf(result.finalState), reference);
    expect(diff).toBeLessThanOrEqual(1e-4);
    // Not vacuous: training moved the weights well beyond the tolerance.
    const start = await referenceWeights({ ...config, steps: 0 });
    expect(maxAbsDiff(reference, start)).toBeGreaterThan(1e-3);
  });
});

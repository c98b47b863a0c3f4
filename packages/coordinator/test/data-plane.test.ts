// Choosing the data plane with real processes: 'auto' takes shared memory only when every worker
// offers a segment (the equivalence tests cover both planes' results), 'shared' refuses to run
// otherwise with a sentence naming who offered none, and needs two workers to begin with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '@dgm/protocol';
import { CoordinatorOptionsError, startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-plane-'));
let config: RunConfig;
beforeAll(() => {
  writeNpyImages(join(dir, 'small.npy'), 40, 8, 8);
  config = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [8] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 1, globalBatch: 4, steps: 3 };
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const start = (dataPlane: 'auto' | 'shared' | 'star') =>
  startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 2, backend: 'wasm', timeoutMs: 5000, joinTimeoutMs: 60_000, dataPlane, logger: quietLogger() });

describe('data plane', () => {
  it('runs with workers started by the dgm CLI on an ipc:// endpoint (one host, a socket file)', async () => {
    const handle = await startCoordinator({ bind: `ipc://${join(dir, 'run.sock')}`, config, workers: 2, backend: 'wasm', timeoutMs: 5000, joinTimeoutMs: 60_000, logger: quietLogger() });
    const exits = [spawnWorker(handle.address), spawnWorker(handle.address)].map((p) => p.exit);
    const result = await handle.done;
    expect((await Promise.all(exits)).map((e) => e.code)).toEqual([0, 0]);
    expect(result).toMatchObject({ steps: 3, dataPlane: 'shared' });
  });

  it("'auto' falls back to the star when a worker offers no shared-memory segment", async () => {
    const handle = await start('auto');
    const exits = [spawnWorker(handle.address), spawnWorker(handle.address, ['--no-shared-memory'])].map((p) => p.exit);
    const result = await handle.done;
    expect((await Promise.all(exits)).map((e) => e.code)).toEqual([0, 0]);
    expect(result).toMatchObject({ steps: 3, dataPlane: 'star' });
  });

  it('gives the same weights through the star and through shared memory (one arithmetic for every plane)', async () => {
    const runs = [];
    for (const plane of ['star', 'auto'] as const) {
      const handle = await start(plane);
      const exits = [spawnWorker(handle.address), spawnWorker(handle.address)].map((p) => p.exit);
      runs.push(await handle.done);
      expect((await Promise.all(exits)).map((e) => e.code)).toEqual([0, 0]);
    }
    expect(runs.map((r) => r.dataPlane)).toEqual(['star', 'shared']);
    expect(runs[1]!.finalHash).toBe(runs[0]!.finalHash);
  });

  it("'shared' stops the run with a sentence naming the worker that offered none", async () => {
    const handle = await start('shared');
    const exits = [spawnWorker(handle.address, ['--no-shared-memory']), spawnWorker(handle.address)].map((p) => p.exit);
    const error = await handle.done.then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(CoordinatorOptionsError);
    expect(error?.message).toMatch(/^data plane 'shared' needs a shared-memory segment from every worker, and rank \d \(.+\) offered none \(no writable \/dev\/shm with room for it, or started with --no-shared-memory\); use 'auto' or 'star'\.$/);
    expect((await Promise.all(exits)).map((e) => e.code)).toEqual([1, 1]);
  });

  it("'shared' with one worker is refused before anything starts", async () => {
    await expect(startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 1, dataPlane: 'shared' })).rejects.toThrow(
      "data plane 'shared' needs at least 2 workers; use 'auto' or 'star'.",
    );
    await expect(startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 2, dataPlane: 'ring' as 'auto' })).rejects.toThrow(
      "coordinator option 'dataPlane' is 'ring'; allowed are auto, star, shared, hierarchical.",
    );
  });
});

// Replicas must hold bit-identical weights: checked by the coordinator every K steps (weights
// hash of every replica, BatchNorm statistics synced from rank 0 first). Real processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '@dgm/protocol';
import { ReplicaMismatchError, startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { FuzzProxy } from './support/fuzz-proxy.js';
import { decodeMessage } from '@dgm/protocol';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-replicas-'));
beforeAll(() => {
  writeNpyImages(join(dir, 'small.npy'), 120, 8, 8);
  writeNpyImages(join(dir, 'mnist-sized.npy'), 60, 28, 28);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const mlpGan = (steps: number): RunConfig => ({
  model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 5, globalBatch: 10, steps,
});

async function run(config: RunConfig, workerArgs: string[][], checkEvery: number) {
  // Fails the test (rejects) if the run fails.
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: workerArgs.length, backend: 'wasm', checkEvery, timeoutMs: 5000, logger: quietLogger() });
  const procs = workerArgs.map((args) => spawnWorker(handle.address, args));
  const result = await handle.done;
  const exits = await Promise.all(procs.map((p) => p.exit));
  return { result, exits };
}

describe('replica agreement', () => {
  it('keeps 3 replicas bit-identical over 50 steps (checked every 10)', async () => {
    const { result, exits } = await run(mlpGan(50), [[], [], []], 10);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    expect(result.steps).toBe(50);
    expect(result.finalHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps BatchNorm replicas consistent by syncing moving statistics from rank 0 at each check', async () => {
    // With a generator average (ema): its weights are in the hash, its statistics in the sync.
    const config: RunConfig = {
      model: 'dcgan', modelOptions: { imageShape: [28, 28, 1], latentDim: 4, width: 4, normalization: 'batch', ema: 0.99 }, trainer: {}, data: `npy:${join(dir, 'mnist-sized.npy')}`, seed: 6, globalBatch: 8, steps: 10,
    };
    const { result, exits } = await run(config, [[], []], 5);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expect(result.steps).toBe(10);
    // The statistics are part of every replica's state: rank 0's made it into the final state.
    expect(result.finalState.some((t) => /moving_(mean|variance)/.test(t.name))).toBe(true);
    expect(result.finalState.filter((t) => t.name.startsWith('w/generator_ema/')).length).toBe(
      result.finalState.filter((t) => t.name.startsWith('w/generator/')).length,
    );
  });

  it('names the ranks when replicas disagree (one averaged gradient corrupted on the wire)', async () => {
    // The star, so that the averaged gradients travel over the (proxied) wire.
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config: mlpGan(20), workers: 2, backend: 'wasm', checkEvery: 5, timeoutMs: 5000, dataPlane: 'star', logger: quietLogger() });
    // Flip one value of the REDUCED of step 2, phase d, on its way to the second worker only.
    const proxy = new FuzzProxy(handle.address, (frames, worker) => {
      const h = decodeMessage(frames);
      if (worker !== 1 || !h.ok || h.message.type !== 'REDUCED' || h.message.step !== 2 || h.message.phase !== 'd') return frames;
      const corrupted = Buffer.from(frames[1]);
      corrupted.writeFloatLE(corrupted.readFloatLE(0) + 0.5, 0);
      return [frames[0], corrupted];
    });
    const front = await proxy.start();
    const procs = [0, 1].map(() => spawnWorker(front));
    const error = await handle.done.then(() => null, (e: Error) => e);
    const exits = await Promise.all(procs.map((p) => p.exit));
    proxy.close();
    expect(error).toBeInstanceOf(ReplicaMismatchError);
    expect(error?.message).toMatch(/^replicas disagree after step 5: rank 0 has [0-9a-f]{16}, rank 1 has [0-9a-f]{16}; ranks 1 differ from rank 0\.$/);
    expect(exits.map((e) => e.code)).toEqual([1, 1]);
  });
});

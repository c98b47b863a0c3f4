// Stopping and resuming: SIGTERM stops a run cleanly after the current step (checkpoint, STOP to
// all, exit code 130), and --resume continues exactly: 10 + 10 steps end bit-identical to 20.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestValidCheckpoint } from '@dgm/core/node';
import type { RunConfig } from '@dgm/protocol';
import { startCoordinator } from '../src/index.js';
import { killAll, listeningAddress, spawnCoordinator, spawnWorker, waitForOutput } from './support/processes.js';
import { maxAbsDiff, weightsOf } from './support/reference.js';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-resume-'));
let config: RunConfig;
beforeAll(() => {
  writeNpyImages(join(dir, 'small.npy'), 100, 8, 8);
  config = { model: 'vae', modelOptions: { imageShape: [8, 8, 1], latentDim: 3, hidden: [16] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 21, globalBatch: 8, steps: 20 };
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

async function train(steps: number, runDir: string, resume: boolean) {
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config: { ...config, steps }, workers: 2, runDir, resume, backend: 'wasm', checkEvery: 5, logger: quietLogger() });
  const workers = [spawnWorker(handle.address), spawnWorker(handle.address)];
  const result = await handle.done;
  expect((await Promise.all(workers.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);
  return result;
}

it('resumes from the last checkpoint exactly: 10 + 10 steps equal 20 steps', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const straight = await train(20, join(dir, 'straight'), false);
  // The coordinator's own model, snapshots, checkpoint and sample grid leave no tensor behind.
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(existsSync(join(dir, 'straight', 'samples', 'step-000020.png'))).toBe(true);
  const resumedDir = join(dir, 'resumed');
  const first = await train(10, resumedDir, false);
  expect(first.steps).toBe(10);
  const second = await train(20, resumedDir, true);
  expect(second.steps).toBe(20);
  expect(maxAbsDiff(weightsOf(second.finalState), weightsOf(straight.finalState))).toBe(0);
  expect(second.finalHash).toBe(straight.finalHash);
  // metrics.jsonl continues: steps 1..10 from the first run, 11..20 from the resumed one.
  const steps = readFileSync(join(resumedDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
  expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
});

it('stops cleanly on SIGTERM: checkpoint of the last step, STOP to all, exit code 130', async () => {
  const runDir = join(dir, 'sigterm');
  const run = ['--model', 'vae', '--dataset', config.data, '--seed', String(config.seed), '--batch-size', String(config.globalBatch), '--steps', '100000', '--out', runDir];
  const coordinator = spawnCoordinator(['--bind', 'tcp://127.0.0.1:*', '--workers', '2', ...run, '--backend', 'wasm']);
  const address = await listeningAddress(coordinator);
  const workers = [spawnWorker(address), spawnWorker(address)];
  await waitForOutput(coordinator, (out) => out.includes('"step":5,'), 60_000);
  coordinator.child.kill('SIGTERM');
  const exit = await coordinator.exit;
  expect(exit.code).toBe(130);
  const result = exit.stdout.split('\n').filter((l) => l.includes('"event":"result"')).map((l) => JSON.parse(l) as { status: string; step: number; checkpoint: string })[0];
  expect(result).toMatchObject({ status: 'interrupted', checkpoint: expect.stringMatching(/step-0+\d+$/) });
  expect(result.step).toBeGreaterThanOrEqual(5);
  const latest = await latestValidCheckpoint(runDir);
  expect(latest?.step).toBe(result.step);
  expect(latest?.dir).toBe(result.checkpoint);
  expect((await Promise.all(workers.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);
});

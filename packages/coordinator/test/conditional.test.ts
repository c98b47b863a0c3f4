// A conditional model in a distributed run: labels travel with the samples (each worker reads the
// labels of its slice's global indices from its own copy of the data), so the trajectory stays
// independent of the worker count. Real coordinator, real worker processes, real files.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReplicaModel, captureState, disposeReplicaModel, initBackend, LocalReducer } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { maxAbsDiff, weightsOf } from './support/reference.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-conditional-'));
const labelled = join(dir, 'labelled.npy');
const unlabelled = join(dir, 'unlabelled.npy');

/** x.labels.npy next to x.npy: N uint8 labels, i mod classes. */
function writeNpyLabels(path: string, n: number, classes: number): void {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n},), }`;
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  const text = `${header}${' '.repeat(pad)}\n`;
  const out = Buffer.alloc(10 + text.length + n);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  for (let i = 0; i < n; i++) out[10 + text.length + i] = i % classes;
  writeFileSync(path, out);
}

beforeAll(async () => {
  await initBackend('wasm');
  writeNpyImages(labelled, 120, 8, 8);
  writeNpyLabels(join(dir, 'labelled.labels.npy'), 120, 3);
  writeNpyImages(unlabelled, 120, 8, 8);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const config: RunConfig = {
  model: 'mlp-gan',
  modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16], conditional: true, classes: 3 },
  trainer: {},
  data: `npy:${labelled}`,
  seed: 12,
  globalBatch: 10,
  steps: 20,
};

async function distributed(c: RunConfig, workers: number) {
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config: c, workers, backend: 'wasm', checkEvery: 10, timeoutMs: 5000, joinTimeoutMs: 60_000, logger: quietLogger() });
  const procs = Array.from({ length: workers }, () => spawnWorker(handle.address));
  const result = await handle.done;
  const exits = await Promise.all(procs.map((p) => p.exit));
  expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual(new Array(workers).fill(0));
  return weightsOf(result.finalState);
}

it('1 and 2 worker processes train a conditional GAN to the same weights (within 1e-4), class embeddings included', async () => {
  const one = await distributed(config, 1);
  const two = await distributed(config, 2);
  expect(maxAbsDiff(one, two)).toBeLessThanOrEqual(1e-4);
  // Not vacuous: the class embeddings of G and D moved well beyond the tolerance.
  const parts = buildReplicaModel(config, new LocalReducer());
  const start = weightsOf(await captureState(parts.model, 'full'));
  disposeReplicaModel(parts);
  for (const name of ['w/generator/g_class_embed/embeddings', 'w/discriminator/d_class_embed/embeddings']) {
    const [a, b] = [one.get(name), start.get(name)];
    expect(a, name).toBeDefined();
    expect(Math.max(...Array.from(a as Float32Array, (v, i) => Math.abs(v - (b as Float32Array)[i])))).toBeGreaterThan(1e-3);
  }
});

it('refuses a conditional model on a dataset without labels before writing anything', async () => {
  const runDir = join(dir, 'run');
  await expect(
    startCoordinator({ bind: 'tcp://127.0.0.1:*', config: { ...config, data: `npy:${unlabelled}` }, workers: 1, backend: 'wasm', runDir, logger: quietLogger() }),
  ).rejects.toThrow(`dataset 'npy:${unlabelled}' has no labels, so a conditional model cannot train on it; train without conditional, or use a dataset with labels.`);
  expect(existsSync(runDir)).toBe(false);
});

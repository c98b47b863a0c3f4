// Fuzzing a live run: while two real workers train through a relaying proxy, thousands of junk
// messages hit the coordinator (from a stranger and on the workers' own connections) and the
// workers (as if from the coordinator). Nothing may crash or hang, and the run must end with
// exactly the weights of a clean run with the same two workers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { buildReplicaModel, initBackend, LocalReducer } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { readSecretKeyFile, secureClient, writeKeyPairFiles, type CurveKeyPair } from '@dgm/protocol/security';
import { startCoordinator } from '../src/index.js';
import { FuzzProxy } from './support/fuzz-proxy.js';
import { junk, rng } from './support/junk.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { maxAbsDiff, weightsOf } from './support/reference.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-fuzz-'));
beforeAll(async () => {
  await initBackend('wasm');
  writeNpyImages(join(dir, 'small.npy'), 120, 8, 8);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const PER_TARGET = 1000;

/**
 * Final weights of the same run with two workers and no junk. Two workers are compared with two
 * workers: the same slices summed in the same order, so equal means bit for bit (one process would
 * group the float32 sums differently, which is why the equivalence tests need a tolerance).
 */
async function cleanRun(config: RunConfig, dataPlane: 'auto' | 'star'): Promise<Map<string, Float32Array>> {
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 2, backend: 'wasm', checkEvery: 5, timeoutMs: 5000, dataPlane, logger: quietLogger() });
  const workers = [0, 1].map(() => spawnWorker(handle.address));
  const result = await handle.done;
  const exits = await Promise.all(workers.map((w) => w.exit));
  expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual([0, 0]);
  return weightsOf(result.finalState);
}

// Both data planes: shared memory ('auto' here, two workers on one host) and the star, whose
// gradients travel over the fuzzed connections.
it.each(['auto', 'star'] as const)('a run under thousands of junk messages finishes with the weights of a clean run (data plane %s)', async (dataPlane) => {
  await fuzzedRun(dataPlane, null);
});

// Again through CURVE (the simple setup: one cluster key pair everywhere): the junk now comes
// from authenticated peers — a stranger holding the cluster key, and the proxy on the workers'
// own encrypted connections — and must still be dropped, counted and survived.
it('a closed run (CURVE) under thousands of junk messages from authenticated peers finishes with the weights of a clean run', async () => {
  const files = writeKeyPairFiles(join(dir, 'cluster'));
  await fuzzedRun('star', { files, keyPair: readSecretKeyFile(files.secretFile, '--key') });
});

async function fuzzedRun(dataPlane: 'auto' | 'star', curve: { files: { secretFile: string; publicFile: string }; keyPair: CurveKeyPair } | null): Promise<void> {
  const config: RunConfig = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 12, globalBatch: 10, steps: 30 };
  const parts = buildReplicaModel(config, new LocalReducer());
  const gradSizes = parts.gradSizes;
  parts.trainer.dispose();
  parts.model.dispose();

  const server = curve ? { keyPair: curve.keyPair, allow: [curve.keyPair.publicKey] } : null;
  const client = curve ? { keyPair: curve.keyPair, serverKey: curve.keyPair.publicKey } : null;
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 2, backend: 'wasm', checkEvery: 5, timeoutMs: 5000, dataPlane, logger: quietLogger(), ...(server ? { curve: server } : {}) });
  const proxy = new FuzzProxy(handle.address, undefined, server && client ? { front: server, back: client } : undefined);
  const front = await proxy.start();
  const logs = [0, 1].map((i) => join(dir, `worker-${i}${curve ? '-curve' : ''}.log`));
  const keyArgs = curve ? ['--key', curve.files.secretFile, '--server-key', curve.files.publicFile] : [];
  const workers = logs.map((log) => spawnWorker(front, ['--log-file', log, ...keyArgs]));
  const stranger = new Dealer({ linger: 0 });
  if (client) secureClient(stranger, client);
  stranger.connect(handle.address);

  const r = rng(99);
  let finished = false;
  const sent = { stranger: 0, asWorker: 0, toWorker: 0 };
  const fuzzing = (async () => {
    while (proxy.workers.length < 2 && !finished) await new Promise((res) => setTimeout(res, 10));
    // Oversized frames (beyond the coordinator's maxMessageSize): libzmq drops the stranger's
    // connection; it reconnects and the junk goes on.
    for (let i = 0; i < 3; i++) await stranger.send([Buffer.alloc(64 << 20)]);
    while (!finished && (sent.stranger < PER_TARGET || sent.toWorker < 2 * PER_TARGET)) {
      for (let k = 0; k < 20; k++) {
        if (sent.stranger < PER_TARGET) {
          await stranger.send(junk(r, handle.run, gradSizes, false));
          sent.stranger++;
        }
        for (const w of proxy.workers) {
          if (sent.asWorker < 2 * PER_TARGET) {
            await proxy.asWorker(w, junk(r, handle.run, gradSizes, false));
            sent.asWorker++;
          }
          if (sent.toWorker < 2 * PER_TARGET) {
            await proxy.toWorker(w, junk(r, handle.run, gradSizes, true));
            sent.toWorker++;
          }
        }
      }
      await new Promise((res) => setTimeout(res, 1));
    }
  })();

  const result = await handle.done;
  finished = true;
  await fuzzing;
  stranger.close();
  const exits = await Promise.all(workers.map((w) => w.exit));
  proxy.close();

  expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual([0, 0]);
  expect(result.steps).toBe(30);
  expect(result.dataPlane).toBe(dataPlane === 'star' || !existsSync('/dev/shm') ? 'star' : 'shared');
  // Most junk arrived during the run (the rest after it ended is simply never read).
  expect(sent.stranger + sent.asWorker).toBeGreaterThan(2000);
  expect(result.droppedMessages).toBeGreaterThan(1000);
  const stops = logs.map((log) => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.message === 'stopped by the coordinator'));
  expect(stops[0].invalidMessages + stops[0].droppedMessages + stops[1].invalidMessages + stops[1].droppedMessages).toBeGreaterThan(500);
  // No tensor leaks in a worker over the run, junk and snapshots included.
  for (const stop of stops) expect(stop.tensorsNow).toBe(stop.tensorsAfterFirstStep);
  expect(maxAbsDiff(weightsOf(result.finalState), await cleanRun(config, dataPlane))).toBe(0);
}

// A worker whose parameter manifest differs from the coordinator's (another dgm version builds
// another model from the same config) is refused with a sentence and takes no rank. The peer is a
// real ZeroMQ socket speaking the real codec, since no real worker of this version can build
// another model from the same config; the coordinator is real and so is the worker that then
// joins and finishes the run.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { configHash, decodeMessage, encodeMessage, type Message, type RunConfig } from '@dgm/protocol';
import { startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-manifest-'));
let config: RunConfig;
beforeAll(() => {
  writeNpyImages(join(dir, 'small.npy'), 50, 8, 8);
  config = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [8] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 1, globalBatch: 4, steps: 2 };
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses a worker whose parameter manifest differs, with a sentence, and keeps its rank free', async () => {
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 1, backend: 'wasm', joinTimeoutMs: 60_000, logger: quietLogger() });
  const peer = new Dealer({ linger: 0, receiveTimeout: 5000 });
  peer.connect(handle.address);
  const ask = async (configHashSent: string | null, manifestHash: string | null): Promise<Message> => {
    await peer.send(encodeMessage({ type: 'HELLO', run: '', configHash: configHashSent, manifestHash, backend: 'wasm', device: 'cpu', pid: process.pid, host: hostname(), shmId: null, shmPath: null }));
    const reply = decodeMessage(await peer.receive());
    if (!reply.ok) throw new Error(reply.reason);
    return reply.message;
  };
  try {
    // As a worker does: first without a config, to get the coordinator's.
    const welcome = await ask(null, null);
    expect(welcome).toMatchObject({ type: 'WELCOME', rank: null });
    const runConfig = (welcome as { config: unknown }).config;
    expect(runConfig).toEqual(config);
    // Then with the same config but a model whose weights differ.
    const reply = await ask(configHash(runConfig), 'f'.repeat(64));
    expect(reply.type).toBe('REJECT');
    expect((reply as { reason: string }).reason).toMatch(
      /^parameter manifest ffffffffffffffff… differs from the coordinator's .{1,16}…?: the worker builds a different model from the same config \(another dgm version\?\)\.$/,
    );
  } finally {
    peer.close();
  }
  // The refused peer took no rank: a real worker still joins the 1-worker run and finishes it.
  const good = spawnWorker(handle.address);
  await expect(handle.done).resolves.toMatchObject({ steps: 2 });
  expect((await good.exit).code).toBe(0);
});

// One worker session in this process, driven by a test coordinator on a real ZeroMQ ROUTER:
// the handshake (config from WELCOME, manifest in the second HELLO), STATE, a STEP whose
// gradients go out as GRADS and come back as REDUCED, SNAPSHOT_REQUEST, STOP, and the messages a
// worker must drop without harm (invalid frames, out of order, out of turn).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'zeromq';
import * as tf from '@tensorflow/tfjs';
import { buildReplicaModel, captureState, disposeOptimizerState, disposeReplicaModel, initBackend, LocalReducer } from '@dgm/core';
import { loadDataset } from '@dgm/core/node';
import { configHash, decodeMessage, encodeMessage, packTensors, type Message, type MessageOf, type RunConfig } from '@dgm/protocol';
import { createLogger, format, transports } from 'winston';
import { isInputError, isRunError } from '@dgm/core/errors';
import { CoordinatorGoneError, CoordinatorMessageError, RejectedError, runWorker } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-worker-session-'));
const data = join(dir, 'images.npy');
const quiet = () => createLogger({ level: 'error', format: format.json(), transports: [new transports.Console({ stderrLevels: ['error'] })] });

/** 16 images of 8×8 uint8 as a .npy file. */
function writeImages(path: string): void {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (16, 8, 8), }`;
  const text = `${header}${' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const out = Buffer.alloc(10 + text.length + 16 * 64);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  for (let i = 0; i < 16 * 64; i++) out[10 + text.length + i] = (i * 37) % 256;
  writeFileSync(path, out);
}

beforeAll(async () => {
  await initBackend('cpu');
  writeImages(data);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A test coordinator: one ROUTER, messages in order, replies to the last peer. */
async function testCoordinator() {
  const router = new Router();
  await router.bind('tcp://127.0.0.1:*');
  let peer: Buffer | null = null;
  const inbox: Message[] = [];
  let wake = null as (() => void) | null;
  void (async () => {
    try {
      for (;;) {
        const [id, ...frames] = await router.receive();
        peer = id!;
        const decoded = decodeMessage(frames);
        if (!decoded.ok) throw new Error(`the worker sent an invalid message: ${decoded.reason}`);
        inbox.push(decoded.message);
        wake?.();
      }
    } catch {
      // closed
    }
  })();
  return {
    address: router.lastEndpoint!,
    async next(): Promise<Message> {
      const deadline = Date.now() + 20_000;
      while (inbox.length === 0) {
        if (Date.now() > deadline) throw new Error('the worker sent nothing within 20 s');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return inbox.shift()!;
    },
    /** The next message that is not a HEARTBEAT. */
    async nextWork(): Promise<Message> {
      for (;;) {
        const m = await this.next();
        if (m.type !== 'HEARTBEAT') return m;
      }
    },
    send: (m: Message) => router.send([peer!, ...encodeMessage(m)]),
    sendRaw: (frames: Buffer[]) => router.send([peer!, ...frames]),
    close: () => router.close(),
  };
}

const config: RunConfig = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 2, hidden: [4] }, trainer: {}, data: `npy:${data}`, seed: 5, globalBatch: 4, steps: 2 };
const options = (connect: string) => ({ connect, backend: 'cpu' as const, logger: quiet(), heartbeatMs: 200, timeoutMs: 5000, joinTimeoutMs: 20_000, sharedMemory: false });

describe('worker session', () => {
  it('joins, loads the state, steps through the star, answers snapshots and stops; drops what makes no sense', async () => {
    const c = await testCoordinator();
    const reference = buildReplicaModel(config, new LocalReducer());
    const ended = runWorker(options(c.address));
    try {
      const hello1 = (await c.nextWork()) as MessageOf<'HELLO'>;
      expect(hello1).toMatchObject({ type: 'HELLO', configHash: null, manifestHash: null, shmId: null, pid: process.pid });
      const welcome = { type: 'WELCOME', run: 'r1', worldSize: 1, configHash: configHash(config), config, heartbeatMs: 200, timeoutMs: 5000 } as const;
      await c.send({ ...welcome, rank: null });
      const hello2 = (await c.nextWork()) as MessageOf<'HELLO'>;
      expect(hello2).toMatchObject({ type: 'HELLO', configHash: configHash(config), manifestHash: reference.manifestHash });
      await c.send({ ...welcome, rank: 0 });

      // Out of order and out of turn, before the state: dropped, no harm done.
      await c.send({ type: 'STEP', run: 'r1', step: 0, epoch: 0, indices: Int32Array.of(0, 1, 2, 3) });
      await c.send({ type: 'REDUCED', run: 'r1', step: 0, phase: 'd', grads: new Float32Array(reference.gradSizes.d!) });
      await c.sendRaw([Buffer.from('not a header')]);
      const optimizer = await reference.trainer.getOptimizerState();
      const state = packTensors(await captureState(reference.model, 'full', optimizer));
      disposeOptimizerState(optimizer);
      await c.send({ type: 'STATE', run: 'r1', step: 0, scope: 'full', ...state });

      // One step: each phase's GRADS answered with REDUCED (one worker: its own gradient).
      await c.send({ type: 'STEP', run: 'r1', step: 0, epoch: 0, indices: Int32Array.of(0, 1, 2, 3) });
      for (const phase of ['d', 'g']) {
        const grads = (await c.nextWork()) as MessageOf<'GRADS'>;
        expect(grads).toMatchObject({ type: 'GRADS', run: 'r1', step: 0, phase, sampleCount: 4 });
        await c.send({ type: 'REDUCED', run: 'r1', step: 0, phase, grads: Float32Array.from(grads.grads) });
      }
      expect(await c.nextWork()).toMatchObject({ type: 'DONE', step: 0, error: null, sampleCount: 4 });

      // After the first step: a PLANE is out of turn, a repeated STEP out of order.
      await c.send({ type: 'PLANE', run: 'r1', segments: ['/dev/shm/dgm-1-0123456789ab.seg'] });
      await c.send({ type: 'STEP', run: 'r1', step: 0, epoch: 0, indices: Int32Array.of(0, 1, 2, 3) });
      await c.send({ type: 'SNAPSHOT_REQUEST', run: 'r1', step: 1, scope: 'hash' });
      const snap = (await c.nextWork()) as MessageOf<'SNAPSHOT'>; // no GRADS came first: the STEP was dropped
      expect(snap).toMatchObject({ type: 'SNAPSHOT', step: 1, scope: 'hash', entries: [] });
      // The same step in this process gives the same weights.
      const dataset = await loadDataset(config.data);
      const images = dataset.train.batch(Int32Array.of(0, 1, 2, 3)) as tf.Tensor4D;
      await reference.trainer.step(0, { images, indices: Int32Array.of(0, 1, 2, 3) });
      images.dispose();
      expect(snap.hash).toBe(reference.trainer.weightsHash());

      await c.send({ type: 'STOP', run: 'r1', reason: 'finished 1 steps', error: false });
      const result = await ended;
      expect(result).toMatchObject({ rank: 0, run: 'r1', steps: 1, stopReason: 'finished 1 steps', stoppedByError: false, invalidMessages: 1, backend: 'cpu' });
    } finally {
      disposeReplicaModel(reference);
      c.close();
    }
  });

  it('ends with the coordinator\'s sentence when it is rejected, and when WELCOME\'s config does not match its hash', async () => {
    const c = await testCoordinator();
    const rejected = runWorker(options(c.address));
    await c.nextWork();
    await c.send({ type: 'REJECT', run: '', reason: 'run full.' });
    await expect(rejected).rejects.toThrow(new RejectedError('the coordinator rejected this worker: run full.'));
    c.close();

    const d = await testCoordinator();
    const mismatched = runWorker(options(d.address));
    await d.nextWork();
    await d.send({ type: 'WELCOME', run: 'r2', rank: null, worldSize: 1, configHash: 'f'.repeat(16), config, heartbeatMs: 200, timeoutMs: 5000 });
    await expect(mismatched).rejects.toThrow(new CoordinatorMessageError('the config in WELCOME does not match its own hash'));
    // Corruption from the other end is a run failure (exit 1), not the user's input (exit 2).
    const error = await mismatched.catch((e: unknown) => e);
    expect([isRunError(error), isInputError(error)]).toEqual([true, false]);
    d.close();
  });

  it('gives up joining after the join timeout when nobody answers', async () => {
    const c = await testCoordinator(); // bound, but never answers
    const started = Date.now();
    const joining = runWorker({ ...options(c.address), joinTimeoutMs: 300 });
    await expect(joining).rejects.toThrow(CoordinatorGoneError);
    await expect(joining).rejects.toThrow(`no answer from a coordinator at ${c.address} within 300 ms`);
    expect(Date.now() - started).toBeLessThan(10_000);
    c.close();
  });
});

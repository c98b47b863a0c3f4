// A closed cluster, end to end with real processes: workers holding a listed key train to exactly
// the weights of an unencrypted run, while strangers keep knocking — an unlisted key, a client
// without CURVE, one with the wrong server key, and plaintext HELLO bytes — and get nothing. A
// worker whose key is not listed stops at once with a sentence (exit 2).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { initBackend } from '@dgm/core';
import { encodeMessage, type RunConfig } from '@dgm/protocol';
import { createDgmLogger } from '@dgm/protocol/log';
import { fingerprintOf, newCurveKeyPair, readPublicKeys, readSecretKeyFile, secureClient, writeKeyPairFiles, type CurveKeyPair } from '@dgm/protocol/security';
import { startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { maxAbsDiff, weightsOf } from './support/reference.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-closed-'));
beforeAll(async () => {
  await initBackend('wasm');
  writeNpyImages(join(dir, 'small.npy'), 120, 8, 8);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A stranger that says HELLO every 20 ms until stopped, counting every answer it gets. */
function stranger(address: string, setup: (d: Dealer) => void) {
  const dealer = new Dealer({ linger: 0, sendTimeout: 0 });
  setup(dealer);
  dealer.connect(address);
  const hello = encodeMessage({ type: 'HELLO', run: '', configHash: null, manifestHash: null, backend: 'wasm', device: 'cpu', pid: 1, host: 'stranger', shmId: null, shmPath: null });
  const timer = setInterval(() => void dealer.send(hello).catch(() => undefined), 20);
  let answers = 0;
  void (async () => {
    for (;;) {
      try {
        await dealer.receive();
        answers++;
      } catch {
        return;
      }
    }
  })();
  return {
    get answers() {
      return answers;
    },
    stop() {
      clearInterval(timer);
      dealer.close();
    },
  };
}

it('a run closed with CURVE ends with the weights of an unencrypted run while strangers keep knocking', async () => {
  const config: RunConfig = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 5, globalBatch: 10, steps: 8 };
  const base = { config, workers: 2, backend: 'wasm' as const, checkEvery: 4, timeoutMs: 5000, dataPlane: 'star' as const };

  const open = await startCoordinator({ ...base, bind: 'tcp://127.0.0.1:*', logger: quietLogger() });
  const openWorkers = [0, 1].map(() => spawnWorker(open.address));
  const openResult = await open.done;
  expect((await Promise.all(openWorkers.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);

  // The strict setup: one key pair per host, the coordinator's allow-list holds the workers' keys.
  const head = writeKeyPairFiles(join(dir, 'head'));
  const nodes = [writeKeyPairFiles(join(dir, 'node1')), writeKeyPairFiles(join(dir, 'node2'))];
  const allow = [...readPublicKeys(nodes[0].publicFile, '--allow'), ...readPublicKeys(nodes[1].publicFile, '--allow')];
  const warnings: Record<string, unknown>[] = [];
  const logger = createDgmLogger({ process: 'coordinator', level: 'warn', echoLevel: 'error' });
  logger.on('data', (entry: Record<string, unknown>) => warnings.push(entry));
  const closed = await startCoordinator({ ...base, bind: 'tcp://127.0.0.1:*', curve: { keyPair: readSecretKeyFile(head.secretFile, '--key'), allow }, logger });

  const unlisted: CurveKeyPair = newCurveKeyPair();
  const serverKey = head.publicKey;
  const strangers = [
    stranger(closed.address, (d) => secureClient(d, { keyPair: unlisted, serverKey })),
    stranger(closed.address, () => undefined),
    stranger(closed.address, (d) => secureClient(d, { keyPair: readSecretKeyFile(nodes[0].secretFile, '--key'), serverKey: newCurveKeyPair().publicKey })),
  ];
  const raw = connect(Number(closed.address.split(':').pop()), '127.0.0.1');
  raw.on('error', () => undefined);
  const helloBytes = Buffer.concat(encodeMessage({ type: 'HELLO', run: '', configHash: null, manifestHash: null, backend: 'wasm', device: 'cpu', pid: 2, host: 'raw', shmId: null, shmPath: null }));
  const plaintext = setInterval(() => {
    if (raw.writable) raw.write(helloBytes);
  }, 20);
  // Let them knock before the real workers start.
  await new Promise((r) => setTimeout(r, 500));
  const workers = nodes.map((n) => spawnWorker(closed.address, ['--key', n.secretFile, '--server-key', head.publicFile]));
  const result = await closed.done;
  clearInterval(plaintext);
  raw.destroy();
  for (const s of strangers) s.stop();
  const exits = await Promise.all(workers.map((w) => w.exit));
  expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual([0, 0]);

  expect(result.steps).toBe(8);
  expect(strangers.map((s) => s.answers)).toEqual([0, 0, 0]);
  expect(maxAbsDiff(weightsOf(result.finalState), weightsOf(openResult.finalState))).toBe(0);
  // The unlisted key was logged with its fingerprint, once in all those retries (at most once a minute).
  const byKey = warnings.filter((w) => w.key === fingerprintOf(unlisted.publicKey));
  expect(byKey).toHaveLength(1);
  expect(byKey[0]).toMatchObject({ level: 'warn', address: '127.0.0.1', reason: 'its key is not on the allow-list' });
  expect(warnings.some((w) => w.key === null && /failed the CURVE handshake/.test(String(w.reason)))).toBe(true);
});

it('a worker whose key is not listed, or without keys, stops at once with a sentence (exit 2); a wrong server key is named when the join times out', async () => {
  const config: RunConfig = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [16] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 5, globalBatch: 10, steps: 2 };
  const head = newCurveKeyPair();
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 1, backend: 'wasm', joinTimeoutMs: 30_000, curve: { keyPair: head, allow: [newCurveKeyPair().publicKey] }, logger: quietLogger() });
  const keys = writeKeyPairFiles(join(dir, 'outsider'));
  const serverKeyFile = writeKeyPairFiles(join(dir, 'head-public'), head).publicFile;
  const started = Date.now();
  const outsider = await spawnWorker(handle.address, ['--key', keys.secretFile, '--server-key', serverKeyFile]).exit;
  expect(outsider.code).toBe(2);
  expect(outsider.stderr).toContain(`error: the coordinator at ${handle.address} refused this worker's key ${fingerprintOf(keys.publicKey)}: add its public key to the coordinator's --allow file.`);
  expect(Date.now() - started).toBeLessThan(20_000);
  // Without keys: refused as soon as the handshake says the coordinator wants CURVE.
  const keyless = await spawnWorker(handle.address).exit;
  expect(keyless.code).toBe(2);
  expect(keyless.stderr).toContain(`error: the coordinator at ${handle.address} requires CURVE keys: pass --key (this worker's secret key) and --server-key (the coordinator's public key).`);
  // With the wrong server key the handshake just fails: the join timeout names the likely cause.
  const wrongServer = writeKeyPairFiles(join(dir, 'not-the-head')).publicFile;
  const lost = await spawnWorker(handle.address, ['--key', keys.secretFile, '--server-key', wrongServer, '--join-timeout-ms', '2000']).exit;
  expect(lost.code).toBe(1);
  expect(lost.stderr).toMatch(/its CURVE handshake failed \d+ times \(is --server-key the coordinator's public key\?\)/);
  handle.stop('test over');
  await handle.done.catch(() => undefined);
});

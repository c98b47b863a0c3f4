// Admission with real sockets and processes: a worker with another config, run id, protocol
// version or parameter manifest gets a REJECT sentence (`dgm worker` exits 2: the user's to fix);
// too few workers make the run fail after the join timeout with a sentence saying so; bad options fail up front.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { Dealer } from 'zeromq';
import { configHash, decodeMessage, encodeMessage, type Message, type RunConfig } from '@dgm/protocol';
import { CoordinatorOptionsError, JoinTimeoutError, startCoordinator, WorkerFailedError } from '../src/index.js';
import { killAll, spawnWorker, type Spawned } from './support/processes.js';
import { createServer, type AddressInfo } from 'node:net';
import { createDgmLogger } from '@dgm/protocol/log';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-handshake-'));
let config: RunConfig;
beforeAll(() => {
  writeNpyImages(join(dir, 'small.npy'), 50, 8, 8);
  config = { model: 'mlp-gan', modelOptions: { imageShape: [8, 8, 1], latentDim: 4, hidden: [8] }, trainer: {}, data: `npy:${join(dir, 'small.npy')}`, seed: 1, globalBatch: 4, steps: 2 };
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A TCP port nobody holds now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `p` has printed `text` on stderr; rejects after `ms`. */
async function waitForStderr(p: Spawned, text: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!p.stderr().includes(text)) {
    if (Date.now() > until) throw new Error(`'${text}' did not appear on stderr within ${ms} ms:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('admission', () => {
  it('rejects a worker with another config, another run id, or another protocol version, with a sentence', async () => {
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 1, backend: 'wasm', joinTimeoutMs: 60_000, logger: quietLogger() });
    const otherConfig = join(dir, 'other.json');
    writeFileSync(otherConfig, JSON.stringify({ ...config, seed: 2 }));
    const [byConfig, byRun] = await Promise.all([
      spawnWorker(handle.address, ['--run-config', otherConfig]).exit,
      spawnWorker(handle.address, ['--run-id', 'some-other-run']).exit,
    ]);
    expect(byConfig.code).toBe(2);
    expect(byConfig.stderr).toMatch(/rejected this worker: config hash [0-9a-f]{16}… differs from the coordinator's [0-9a-f]{16}…; start the worker with the same config/);
    expect(byRun.code).toBe(2);
    expect(byRun.stderr).toMatch(new RegExp(`rejected this worker: this coordinator runs '${handle.run}', not 'some-other-run'\\.`));

    // A peer speaking protocol version 2 hears why, instead of waiting for its timeout.
    const stranger = new Dealer({ linger: 0, receiveTimeout: 5000 });
    stranger.connect(handle.address);
    await stranger.send(new Packr({ useRecords: false }).pack({ v: 2, type: 'HELLO', run: '' }));
    const reply = decodeMessage(await stranger.receive());
    stranger.close();
    expect(reply.ok && reply.message.type === 'REJECT' && reply.message.reason).toBe('protocol version 2 is not supported (this side speaks version 1)');

    // The run still takes the right worker afterwards, which fetches the config from WELCOME.
    const good = spawnWorker(handle.address);
    await expect(handle.done).resolves.toMatchObject({ steps: 2 });
    expect((await good.exit).code).toBe(0);
  });

  // A worker whose parameter manifest differs (another dgm version builds another model from the
  // same config). The peer is a real ZeroMQ socket speaking the real codec, since no real worker of
  // this version can build another model from the same config; the worker that then joins is real.
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

  it('fails the run with a sentence when too few workers join in time', async () => {
    // The lone worker starts first and is already dialling when the coordinator binds, so its
    // start-up time (seconds on a loaded machine) does not race the 4 s join timeout.
    const port = await freePort();
    const lone = spawnWorker(`tcp://127.0.0.1:${port}`);
    await waitForStderr(lone, 'connecting to', 120_000);
    const handle = await startCoordinator({ bind: `tcp://127.0.0.1:${port}`, config, workers: 2, backend: 'wasm', joinTimeoutMs: 4000, logger: quietLogger() });
    const error = await handle.done.then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(JoinTimeoutError);
    expect(error?.message).toMatch(/^only 1 of 2 workers joined within 4000 ms; start the missing workers/);
    expect((await lone.exit).code).toBe(1); // told by STOP that the run failed
  });

  it('a worker placed at a rank (dgm launch) takes that rank; a taken or missing rank is refused', async () => {
    const log = join(dir, 'ranks.log');
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 3, backend: 'wasm', joinTimeoutMs: 120_000, logger: createDgmLogger({ process: 'coordinator', file: log, echo: 'none' }) });
    const placed = spawnWorker(handle.address, ['--rank', '2', '--json']);
    // Once rank 2 is held, ask for it again.
    const deadline = Date.now() + 60_000;
    while (!(existsSync(log) && readFileSync(log, 'utf8').includes('"message":"worker joined"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(log, 'utf8')).toMatch(/"message":"worker joined".*"rank":2/);
    const [taken, beyond] = await Promise.all([spawnWorker(handle.address, ['--rank', '2']).exit, spawnWorker(handle.address, ['--rank', '5']).exit]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/rejected this worker: rank 2 is already taken by pid \d+ on \S+; give each worker its own rank\./);
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toContain(`rejected this worker: this worker asks for rank 5, but run '${handle.run}' has ranks 0 to 2; start as many workers as the coordinator expects.`);
    handle.stop('the test is over');
    await handle.done.catch(() => undefined);
    const last = await placed.exit;
    expect(JSON.parse(last.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'result', rank: 2 });
  });

  it('the join timeout names the ranks still missing', async () => {
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 2, backend: 'wasm', joinTimeoutMs: 1500, logger: quietLogger() });
    const error = await handle.done.then(() => null, (e: Error) => e);
    expect(error?.message).toBe('only 0 of 2 workers joined within 1500 ms; start the missing workers (ranks 0, 1) with --connect pointing at this coordinator, or lower the worker count.');
  });

  it("stops the run at once with a worker's own reason when it cannot load its data (FAILED)", async () => {
    // Like a cluster host without the data: the coordinator read it, the worker cannot.
    const file = join(dir, 'only-on-the-coordinator.npy');
    writeNpyImages(file, 50, 8, 8);
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config: { ...config, data: `npy:${file}` }, workers: 2, backend: 'wasm', joinTimeoutMs: 60_000, logger: quietLogger() });
    rmSync(file);
    const started = Date.now();
    const worker = spawnWorker(handle.address);
    const error = await handle.done.then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect(error?.message).toMatch(/^rank 0 \(pid \d+ on [^)]+\) failed: .*only-on-the-coordinator\.npy/);
    // Long before the 60 s join timeout, which would have said only "1 of 2 workers joined", and
    // before the 10 s liveness timeout: the STOP sent back to the worker, whose connection is
    // closing by then, once held the run's end that long in about one run in five (worker-router.ts).
    expect(Date.now() - started).toBeLessThan(8000);
    const exit = await worker.exit;
    // Data missing on the worker's host is the user's to fix there (a DatasetError): exit 2.
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/only-on-the-coordinator\.npy/);
  });

  it('makes a worker with no coordinator exit with code 1 (a run failure) after its join timeout', async () => {
    const started = Date.now();
    const exit = await spawnWorker('tcp://127.0.0.1:9', ['--join-timeout-ms', '1500']).exit;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/no answer from a coordinator at tcp:\/\/127\.0\.0\.1:9 within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses bad options before binding anything', async () => {
    await expect(startCoordinator({ bind: 'http://x', config, workers: 1 })).rejects.toThrow(CoordinatorOptionsError);
    await expect(startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 8 })).rejects.toThrow(
      'the global batch (4) is smaller than the number of workers (8); every worker needs at least one sample per step.',
    );
    await expect(startCoordinator({ bind: 'tcp://127.0.0.1:*', config: { ...config, steps: 0 }, workers: 1 })).rejects.toThrow("The run config's 'steps' must be an integer of at least 1.");
  });

  it('refuses data that does not fit the model and writes nothing', async () => {
    const runDir = join(dir, 'never-written');
    const wrongShape = { ...config, modelOptions: { ...config.modelOptions, imageShape: [28, 28, 1] } };
    await expect(startCoordinator({ bind: 'tcp://127.0.0.1:*', config: wrongShape, workers: 1, runDir, backend: 'wasm', logger: quietLogger() })).rejects.toThrow(
      /has images of shape \[8, 8, 1\] but model mlp-gan expects \[28, 28, 1\]; set the model's imageShape option to match\./,
    );
    expect(existsSync(runDir)).toBe(false);
  });
});

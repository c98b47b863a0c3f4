// The closed cluster from the command line, with real processes: `dgm keys new`, the refusals
// that keep a cluster from opening by accident (each one sentence, exit 2, nothing written), a
// coordinator bound beyond loopback that admits key holders, and a local `dgm train` whose port
// a process of this host reaching it first cannot join.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { encodeMessage } from '@dgm/protocol';
import { runDgm, startDgm } from './support/spawn-dgm.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-closed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const TINY = ['--model', 'mlp-gan', '--steps', '2', '--batch-size', '8'];

describe('dgm keys new and the key flags', () => {
  it('writes a key pair once; refuses to overwrite it, a world-readable secret, and keys off loopback missing', async () => {
    const made = await runDgm(['keys', 'new', '--out', 'cluster', '--json'], { cwd: root });
    expect(made.code, made.stderr).toBe(0);
    expect(made.events[0]).toMatchObject({ event: 'result', secretKey: join(root, 'cluster/secret.key'), publicKey: join(root, 'cluster/public.key') });
    expect(statSync(join(root, 'cluster/secret.key')).mode & 0o777).toBe(0o600);
    const again = await runDgm(['keys', 'new', '--out', 'cluster'], { cwd: root });
    expect([again.code, again.stderr.trim()]).toEqual([2, `error: ${join(root, 'cluster/secret.key')} already exists; dgm keys new never overwrites a key: choose another --out directory or remove the old key first.`]);

    const open = await runDgm(['coordinator', '--bind', 'tcp://0.0.0.0:5555', '--out', 'never', ...TINY], { cwd: root });
    expect([open.code, open.stderr.trim()]).toEqual([
      2,
      'error: --bind tcp://0.0.0.0:5555 can be reached from other machines, so the coordinator needs keys: make them with dgm keys new --out DIR and pass --key DIR/secret.key --allow <file of worker public keys>, or pass --insecure to run an open cluster on a network you trust.',
    ]);
    expect(existsSync(join(root, 'never'))).toBe(false);

    chmodSync(join(root, 'cluster/secret.key'), 0o644);
    const readable = await runDgm(['worker', '--connect', 'tcp://head:5555', '--key', 'cluster/secret.key', '--server-key', 'cluster/public.key'], { cwd: root });
    expect([readable.code, readable.stderr.trim()]).toEqual([2, 'error: --key cluster/secret.key is readable by other users (mode 644); a secret key must be private: chmod 600 cluster/secret.key.']);
    chmodSync(join(root, 'cluster/secret.key'), 0o600);
  });

  it('a coordinator bound beyond loopback with the cluster key admits a worker holding it; --insecure warns', async () => {
    await runDgm(['keys', 'new', '--out', 'shared'], { cwd: root });
    const keys = ['--key', 'shared/secret.key'];
    const coordinator = startDgm(['coordinator', '--bind', 'tcp://0.0.0.0:*', ...keys, '--allow', 'shared/public.key', '--workers', '1', ...TINY, '--out', 'closed', '--json'], { cwd: root });
    const listening = await coordinator.waitFor((e) => e.event === 'listening');
    const port = String(listening.endpoint).split(':').pop();
    const worker = await runDgm(['worker', '--connect', `tcp://127.0.0.1:${port}`, ...keys, '--server-key', 'shared/public.key', '--json'], { cwd: root });
    expect(worker.code, worker.stderr).toBe(0);
    expect(await coordinator.exited, coordinator.stderr).toBe(0);
    expect(coordinator.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', step: 2 });

    const insecure = startDgm(['coordinator', '--bind', 'tcp://127.0.0.1:*', '--insecure', '--workers', '1', ...TINY, '--out', 'open', '--json'], { cwd: root });
    await insecure.waitFor((e) => e.event === 'listening');
    expect(insecure.events.find((e) => e.event === 'log' && e.level === 'warn')).toMatchObject({ message: expect.stringMatching(/^--insecure: the coordinator at tcp:\/\/127\.0\.0\.1:\* admits any process that reaches it, unencrypted\.$/) });
    insecure.child.kill('SIGINT');
    expect(await insecure.exited).toBe(130);
  });
});

describe('dgm train is closed', () => {
  it('a process of this host that reaches the port before the workers gets no answer and no rank', async () => {
    const out = join(root, 'local');
    const train = startDgm(['train', ...TINY, '--steps', '3', '--workers', '2', '--out', out, '--json'], { cwd: root });
    // The fake worker watches the coordinator's log for the port and says HELLO from the moment it
    // is open, long before the real workers (whole Node processes) are up.
    const log = join(out, 'logs/coordinator.log');
    let address: string | null = null;
    const until = Date.now() + 60_000;
    while (address === null && Date.now() < until) {
      const line = existsSync(log) ? readFileSync(log, 'utf8').split('\n').find((l) => l.includes('"message":"listening"')) : undefined;
      if (line) address = (JSON.parse(line) as { address: string }).address;
      else await new Promise((r) => setTimeout(r, 5));
    }
    expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const fake = new Dealer({ linger: 0, sendTimeout: 0 });
    fake.connect(address!);
    const hello = encodeMessage({ type: 'HELLO', run: '', configHash: null, manifestHash: null, backend: 'wasm', device: 'cpu', pid: 1, host: 'fake', shmId: null, shmPath: null });
    const knocking = setInterval(() => void fake.send(hello).catch(() => undefined), 10);
    let answers = 0;
    void (async () => {
      for (;;) {
        try {
          await fake.receive();
          answers++;
        } catch {
          return;
        }
      }
    })();
    const code = await train.exited;
    clearInterval(knocking);
    fake.close();
    expect(code, train.stderr).toBe(0);
    expect(answers).toBe(0);
    expect(train.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', step: 3 });
    // Both ranks went to the two real workers: each of their logs says it joined.
    const joined = [0, 1].map((i) => readFileSync(join(out, `logs/worker-${i}.log`), 'utf8').includes('"message":"joined"'));
    expect(joined).toEqual([true, true]);
  });
});

// Coordinator loss with real processes: `dgm worker --reconnect` workers outlive a kill -9 of their
// coordinator, keep trying its address, and the SAME processes rejoin it when it is started again
// with --resume on the run directory (which keeps its address, worker count, checkpoint interval
// and --wire; the key files are given again, so the workers' --server-key still holds); the run
// ends with the weights of a run that was never interrupted, bit for bit.
// And a worker whose coordinator never comes back gives up after its window, with a sentence.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isAlive, runDgm, startDgm, type DgmProcess } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-reconnect-'));
const data = join(root, 'images.npy');
writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i);
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A small VAE (no BatchNorm), 60 steps of global batch 4 on 2 workers, a checkpoint every 20.
const RUN = ['--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--steps', '60'];
// Liveness in seconds, not tens of seconds: the workers notice the kill quickly.
const FAST = ['--heartbeat-ms', '200', '--timeout-ms', '2000'];

/**
 * A free port below the kernel's ephemeral range (ports it hands to `bind(0)` and outgoing
 * connections, such as the reference run's sockets): a port this test must get back after a
 * kill (the coordinator's, a worker's only ring port) is then taken by nobody meanwhile.
 */
async function fixedPort(taken: number[]): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const top = Math.max(low, 20_000); // an unusually low range: any port above 10000 then
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    if (taken.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Names in /dev/shm of segments and turn sockets these processes made (dgm-<pid>-…). */
function shmOf(pids: number[]): string[] {
  return existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((n) => pids.some((p) => n.startsWith(`dgm-${p}-`))) : [];
}

function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The bytes of a checkpoint's weights and optimizer state, by file. */
function checkpointBytes(run: string, step: number): Map<string, Buffer> {
  const dir = join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
  const files = ['encoder/weights.bin', 'decoder/weights.bin', ...readdirSync(dir).filter((f) => f.startsWith('optimizer-') && f.endsWith('.bin'))];
  return new Map(files.map((f) => [f, readFileSync(join(dir, f))]));
}

it('workers with --reconnect rejoin a coordinator killed with -9 and restarted with --resume; the run ends as if never interrupted', async () => {
  const reference = join(root, 'reference');
  // The uninterrupted run, alongside (the same trajectory: global batch, seed, 2 workers, shared memory).
  const uninterrupted = runDgm(['train', ...RUN, '--workers', '2', '--out', reference], { cwd: root, timeoutMs: 150_000 });
  const port = await fixedPort([]);
  const run = join(root, 'run');
  // A closed cluster: the coordinator's key pair is the same when it comes back.
  expect((await runDgm(['keys', 'new', '--out', 'keys'], { cwd: root })).code).toBe(0);
  const serverKeys = ['--key', 'keys/secret.key', '--allow', 'keys/public.key'];
  const first = startDgm(['coordinator', '--bind', `tcp://127.0.0.1:${port}`, '--workers', '2', ...RUN, '--checkpoint-every', '20', '--wire', 'bf16', '--out', run, ...serverKeys, ...FAST, '--json'], { cwd: root });
  await first.waitFor((e) => e.event === 'listening');
  // Each worker's ring socket may take one port only: a rejoin needs the lost session's port back.
  const ringPorts = [await fixedPort([port])];
  ringPorts.push(await fixedPort([port, ...ringPorts]));
  const workers: DgmProcess[] = [0, 1].map((i) =>
    startDgm(['worker', '--connect', `tcp://127.0.0.1:${port}`, '--key', 'keys/secret.key', '--server-key', 'keys/public.key', '--reconnect', '60', '--ring-ports', `${ringPorts[i]}-${ringPorts[i]}`, '--rank', String(1 - i), ...FAST, '--log-file', join(root, `worker-${i}.log`), '--json'], { cwd: root, timeoutMs: 150_000 }),
  );
  const pids = workers.map((w) => w.child.pid!);
  // Past the checkpoint of step 20 and before the next one: kill -9.
  await first.waitFor((e) => e.event === 'step' && (e.step as number) >= 25);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe(137);
  // Each worker says once that it lost the coordinator and tries again for 60 s...
  for (const w of workers) {
    const lost = await w.waitFor((e) => e.event === 'reconnecting', 30_000);
    expect(lost).toMatchObject({ seconds: 60, connect: `tcp://127.0.0.1:${port}` });
    expect(lost.reason).toMatch(/coordinator at tcp:\/\/127\.0\.0\.1:\d+/);
  }
  // ...having released the old session: one segment each at most (the new session's offer) and no
  // turn socket (the old plane's are closed; the new plane is not set up yet).
  for (const pid of pids) {
    expect(shmOf([pid]).filter((n) => n.endsWith('.seg')).length).toBeLessThanOrEqual(1);
    expect(shmOf([pid]).filter((n) => n.endsWith('.turn'))).toEqual([]);
  }

  // Started again with --resume and its keys: settings.json gives it its address, 2 workers, --checkpoint-every 20 and --wire bf16.
  const resumed = startDgm(['coordinator', '--resume', run, ...serverKeys, '--json'], { cwd: root, timeoutMs: 150_000 });
  const started = await resumed.waitFor((e) => e.event === 'run');
  expect(started.resumeFrom).toBeGreaterThanOrEqual(20);
  expect((await resumed.waitFor((e) => e.event === 'listening')).endpoint).toBe(`tcp://127.0.0.1:${port}`);
  // The same processes, each at the rank it was placed at (--rank, as dgm launch places workers;
  // placed against their start order, which a rejoin that forgot the rank would likely follow).
  for (const [i, w] of workers.entries()) {
    const rejoined = await w.waitFor((e) => e.event === 'rejoined', 60_000);
    expect(rejoined).toMatchObject({ pid: w.child.pid, rank: 1 - i, worldSize: 2 });
  }
  expect(await resumed.exited, resumed.stderr).toBe(0);
  for (const w of workers) {
    expect(await w.exited, w.stderr).toBe(0);
    expect(w.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', reason: 'finished 60 steps' });
    // One line when the coordinator was lost, one when rejoined (stdout holds them in --json).
    expect(w.events.filter((e) => e.event === 'log' && /^(Lost|Rejoined) /.test(String(e.message))).map((e) => e.message)).toEqual([
      expect.stringMatching(/^Lost the coordinator \(.*\); trying tcp:\/\/127\.0\.0\.1:\d+ again for up to 60 s \(--reconnect\)\.$/),
      expect.stringMatching(/^Rejoined the run at tcp:\/\/127\.0\.0\.1:\d+ as rank [01] of 2\.$/),
    ]);
  }
  // The restarted coordinator admitted exactly these two processes; it ran with the stored --wire
  // (settings.json is rewritten by each start with the settings it used).
  const log = jsonLines(join(run, 'logs', 'coordinator.log'));
  const restart = log.map((l) => l.message).lastIndexOf('coordinator starting');
  expect(log.slice(restart).filter((l) => l.message === 'worker joined').map((l) => l.pid).sort()).toEqual([...pids].sort());
  expect(JSON.parse(readFileSync(join(run, 'settings.json'), 'utf8')).settings).toMatchObject({ wire: 'bf16', workers: 2, 'checkpoint-every': 20 });
  // The released session left no tensor behind.
  for (let i = 0; i < 2; i++) {
    const released = jsonLines(join(root, `worker-${i}.log`)).find((l) => l.message === 'released the session of the lost coordinator');
    expect(released).toBeDefined();
    expect(released!.tensorsNow).toBe(released!.tensorsBefore);
  }
  // Each step once in metrics.jsonl, and the final weights and Adam state equal the uninterrupted run's, bit for bit.
  expect(jsonLines(join(run, 'metrics.jsonl')).map((l) => l.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  const ref = await uninterrupted;
  expect(ref.code, ref.stderr).toBe(0);
  const expected = checkpointBytes(reference, 60);
  const got = checkpointBytes(run, 60);
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [file, bytes] of expected) expect(got.get(file)!.equals(bytes), file).toBe(true);
  expect(shmOf(pids)).toEqual([]);
}, 240_000);

it('a worker with --reconnect whose coordinator never comes back gives up after its window with a sentence, leaving nothing behind', async () => {
  const coordinator = startDgm(['coordinator', '--bind', 'tcp://127.0.0.1:*', '--workers', '1', ...RUN.slice(0, -1), '100000', '--out', join(root, 'abandoned'), ...FAST, '--json'], { cwd: root });
  const endpoint = String((await coordinator.waitFor((e) => e.event === 'listening')).endpoint);
  const worker = startDgm(['worker', '--connect', endpoint, '--reconnect', '2', ...FAST], { cwd: root, timeoutMs: 60_000 });
  await coordinator.waitFor((e) => e.event === 'step');
  coordinator.child.kill('SIGKILL');
  const killedAt = Date.now();
  expect(await worker.exited, worker.stderr).toBe(1);
  // Noticed within the timeout (2 s), then 2 s of trying: well under 15 s in all.
  expect(Date.now() - killedAt).toBeLessThan(15_000);
  const lines = worker.stderr.trim().split('\n');
  expect(lines.at(-2)).toMatch(/^warning: Lost the coordinator \(.*\); trying tcp:\/\/127\.0\.0\.1:\d+ again for up to 2 s \(--reconnect\)\.$/);
  expect(lines.at(-1)).toMatch(/^error: gave up rejoining: no coordinator of this run answered at tcp:\/\/127\.0\.0\.1:\d+ within 2 s \(--reconnect\) after the last one was lost \((lost the connection to|heard nothing from) the coordinator .*\)\.$/);
  expect(isAlive(worker.child.pid!)).toBe(false);
  expect(shmOf([worker.child.pid!])).toEqual([]);
}, 60_000);

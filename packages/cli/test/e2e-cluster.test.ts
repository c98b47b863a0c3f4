// `dgm coordinator` + two `dgm worker` processes over TCP on loopback, as on a cluster.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from './support/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDgm, startDgm } from './support/spawn-dgm.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-cluster-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dgm coordinator + dgm worker', () => {
  it('trains over tcp on loopback and every process exits 0', async () => {
    const port = await freePort();
    const out = join(root, 'cluster-run');
    const coordinator = startDgm(['coordinator', '--bind', `tcp://127.0.0.1:${port}`, '--workers', '2', '--steps', '3', '--batch-size', '8', '--out', out, '--json'], { cwd: root });
    const listening = await coordinator.waitFor((e) => e.event === 'listening');
    expect(listening.endpoint).toBe(`tcp://127.0.0.1:${port}`);
    const workers = [0, 1].map(() => runDgm(['worker', '--connect', `tcp://127.0.0.1:${port}`, '--json'], { cwd: root }));
    const [w0, w1] = await Promise.all(workers);
    expect(await coordinator.exited, coordinator.stderr).toBe(0);
    for (const w of [w0, w1]) {
      expect(w.code, w.stderr).toBe(0);
      expect(w.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', steps: 3 });
    }
    expect(new Set([w0, w1].map((w) => (w.events.find((e) => e.event === 'result') as { rank: number }).rank))).toEqual(new Set([0, 1]));
    expect(coordinator.events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2, 3]);
    expect(coordinator.events.find((e) => e.event === 'result')).toMatchObject({ status: 'finished', step: 3 });
    expect(readFileSync(join(out, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000003');
    expect(existsSync(join(out, 'logs/coordinator.log'))).toBe(true);
  });

  it('Ctrl-C while waiting for workers ends the coordinator with exit 130', async () => {
    const coordinator = startDgm(['coordinator', '--bind', 'tcp://127.0.0.1:*', '--workers', '2', '--steps', '3', '--out', join(root, 'waiting'), '--json'], { cwd: root });
    const listening = await coordinator.waitFor((e) => e.event === 'listening');
    expect(listening.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    coordinator.child.kill('SIGINT');
    expect(await coordinator.exited).toBe(130);
    expect(coordinator.events.find((e) => e.event === 'result')).toMatchObject({ status: 'interrupted', checkpoint: null });
  });

  it('--run-id: the coordinator names its run; a worker naming another is refused (exit 2), one naming it joins', async () => {
    const out = join(root, 'named-run');
    const coordinator = startDgm(['coordinator', '--bind', 'tcp://127.0.0.1:*', '--workers', '1', '--steps', '2', '--batch-size', '8', '--out', out, '--run-id', 'mine', '--json'], { cwd: root });
    const listening = await coordinator.waitFor((e) => e.event === 'listening');
    expect(listening.run).toBe('mine');
    const endpoint = String(listening.endpoint);
    const stranger = await runDgm(['worker', '--connect', endpoint, '--run-id', 'theirs'], { cwd: root });
    expect(stranger.code, stranger.stderr).toBe(2);
    expect(stranger.stderr).toContain("error: the coordinator rejected this worker: this coordinator runs 'mine', not 'theirs'.");
    const member = await runDgm(['worker', '--connect', endpoint, '--run-id', 'mine', '--json'], { cwd: root });
    expect(member.code, member.stderr).toBe(0);
    expect(await coordinator.exited, coordinator.stderr).toBe(0);
  });

  it('a worker with a bad address exits 2 at once', async () => {
    const r = await runDgm(['worker', '--connect', 'tcp://127.0.0.1'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("error: --connect must be an address like tcp://0.0.0.0:5555 (tcp://host:port, port 1-65535; or ipc://<path> on one host), got 'tcp://127.0.0.1'.");
  });
});

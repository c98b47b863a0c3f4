// Faults with real processes: a worker killed with SIGKILL mid-run, and a coordinator killed
// under its workers. Nothing may hang; every outcome comes within the liveness timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestValidCheckpoint, loadCheckpoint } from '@dgm/core/node';
import { killAll, listeningAddress, spawnCoordinator, spawnWorker, waitForOutput } from './support/processes.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-faults-'));
const TIMEOUT_MS = 2000;
const liveness = ['--heartbeat-ms', '200', '--timeout-ms', String(TIMEOUT_MS)];

beforeAll(() => {
  writeNpyImages(join(dir, 'small.npy'), 100, 8, 8);
});
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

async function startRun(runDir: string, workers: number) {
  const run = ['--model', 'mlp-gan', '--dataset', `npy:${join(dir, 'small.npy')}`, '--seed', '3', '--batch-size', '8', '--steps', '100000', '--out', runDir];
  const coordinator = spawnCoordinator(['--bind', 'tcp://127.0.0.1:*', '--workers', String(workers), ...run, '--backend', 'wasm', '--checkpoint-every', '5', '--check-every', '5', ...liveness]);
  const address = await listeningAddress(coordinator);
  const procs = Array.from({ length: workers }, () => spawnWorker(address, liveness));
  return { coordinator, procs };
}

describe('a worker killed with SIGKILL', () => {
  it('makes the coordinator report it within the timeout, exit non-zero, stop the others and keep a usable checkpoint', async () => {
    const runDir = join(dir, 'killed-worker');
    const { coordinator, procs } = await startRun(runDir, 2);
    await waitForOutput(coordinator, (out) => out.includes('"step":12,'), 60_000);
    const killedAt = Date.now();
    procs[1].child.kill('SIGKILL');
    const exit = await coordinator.exit;
    const elapsed = Date.now() - killedAt;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(new RegExp(`worker rank [01] \\(pid ${procs[1].child.pid} on .+\\) is gone`));
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 3000);
    const survivor = await procs[0].exit;
    expect(survivor.code).toBe(1); // told by STOP that the run failed
    const latest = await latestValidCheckpoint(runDir);
    expect(latest).not.toBeNull();
    expect(latest!.step % 5).toBe(0);
    expect(latest!.step).toBeGreaterThanOrEqual(10);
    const loaded = await loadCheckpoint(latest!.dir);
    expect(Object.keys(loaded.models).sort()).toEqual(['discriminator', 'generator']);
    loaded.dispose();
  });
});

describe('a worker frozen with SIGSTOP (alive, silent)', () => {
  it('is noticed through ZeroMQ heartbeats within the timeout; the run stops non-zero', async () => {
    const { coordinator, procs } = await startRun(join(dir, 'frozen-worker'), 2);
    await waitForOutput(coordinator, (out) => out.includes('"step":3,'), 60_000);
    const frozenAt = Date.now();
    procs[0].child.kill('SIGSTOP');
    const exit = await coordinator.exit;
    procs[0].child.kill('SIGKILL');
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(new RegExp(`worker rank [01] \\(pid ${procs[0].child.pid} on .+\\) is gone`));
    // ZMTP heartbeat timeout, then the probe: about TIMEOUT_MS, never a hang.
    expect(Date.now() - frozenAt).toBeLessThan(TIMEOUT_MS + 4000);
    expect((await procs[1].exit).code).toBe(1);
  });
});

describe('a coordinator killed with SIGKILL', () => {
  it('makes each worker exit with code 1 (a run failure) and a clear message within the timeout', async () => {
    const { coordinator, procs } = await startRun(join(dir, 'killed-coordinator'), 2);
    await waitForOutput(coordinator, (out) => out.includes('"step":3,'), 60_000);
    const killedAt = Date.now();
    coordinator.child.kill('SIGKILL');
    const exits = await Promise.all(procs.map((p) => p.exit));
    expect(Date.now() - killedAt).toBeLessThan(TIMEOUT_MS + 3000);
    for (const e of exits) {
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(/coordinator at tcp:\/\/127\.0\.0\.1:\d+/);
    }
  });
});

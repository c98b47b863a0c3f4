// Churn: 16 real worker processes on loopback train a tiny VAE for 300 steps while workers are
// killed with kill -9 at steps drawn from a seed (printed) and fresh ones join (dgm worker
// --connect, one started at each kill). The run needs 13 (--min-workers), so it has to wait for
// joiners when the kills outrun them. It must finish without a hang, every step once, and every
// sample of every epoch used exactly once: each epoch's windows (metrics.jsonl) tile it once, and
// each step's DONEs together computed its whole window.
//
// Its cost is CPU: each worker process costs ~1.4 s of CPU to start (loading tfjs) and each step
// ~8 ms per worker, so the test keeps the spawns (16 + one joiner per kill) and the messages per
// step few: four kills, the star plane (16 workers' shared-memory turns are 16×15 messages per
// stage against the star's 32; the plane set up again after a change is elastic.test.ts's), and
// a 500 ms heartbeat.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '@dgm/protocol';
import { startCoordinator, type StepRecord } from '../src/index.js';
import { killAll, spawnWorker, type Spawned } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-churn-'));
const WORKERS = 16;
const STEPS = 300;
const SAMPLES = 72;
const BATCH = 16;
const SEED = 2026;
const KILLS = 4;
const liveness = ['--heartbeat-ms', '500', '--timeout-ms', '3000'];

beforeAll(() => writeNpyImages(join(dir, 'tiny.npy'), SAMPLES, 4, 4));
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** KILLS distinct kill steps in [5, 150] from a seeded LCG: the second half of the run is runway for the joiners. */
function killSteps(seed: number): number[] {
  let x = seed >>> 0;
  const steps = new Set<number>();
  while (steps.size < KILLS) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    steps.add(5 + (x % 146));
  }
  return [...steps].sort((a, b) => a - b);
}

it('16 workers, 300 steps, four kill -9 and four joins: no hang, every sample of every epoch used once', async () => {
  const kills = killSteps(SEED);
  console.log(`churn: seed ${SEED}, kill -9 after steps ${kills.join(', ')}; a fresh worker is started at each kill`);
  const started = Date.now();
  const config: RunConfig = { model: 'vae', modelOptions: { imageShape: [4, 4, 1], latentDim: 2, hidden: [4] }, trainer: {}, data: `npy:${join(dir, 'tiny.npy')}`, seed: 3, globalBatch: BATCH, steps: STEPS };
  const runDir = join(dir, 'run');
  const live: Spawned[] = [];
  const joiners: Spawned[] = [];
  const killed: Spawned[] = [];
  const first: Spawned[] = [];
  let pick = SEED;
  const handle = await startCoordinator({
    bind: 'tcp://127.0.0.1:*', config, workers: WORKERS, minWorkers: 13, maxWorkers: WORKERS, maxFailures: 10, runDir, backend: 'wasm', checkEvery: 50, dataPlane: 'star',
    heartbeatMs: 500, timeoutMs: 3000, joinTimeoutMs: 120_000, logger: quietLogger(),
    onStep: (r: StepRecord) => {
      if (!kills.includes(r.step)) return;
      pick = (Math.imul(pick, 1664525) + 1013904223) >>> 0;
      // Victims are drawn from the workers started first: a joiner may still be starting (not yet
      // known to the coordinator), and killing it would be no loss the run can see.
      const victim = first.splice(pick % first.length, 1)[0]!;
      live.splice(live.indexOf(victim), 1);
      killed.push(victim);
      victim.child.kill('SIGKILL');
      const joiner = spawnWorker(handle.address, liveness);
      joiners.push(joiner);
      live.push(joiner);
    },
  });
  for (let i = 0; i < WORKERS; i++) live.push(spawnWorker(handle.address, liveness));
  first.push(...live);
  const result = await handle.done;
  expect(result.steps).toBe(STEPS);
  // Every worker still in the run was stopped by the coordinator and exited cleanly.
  const ends = await Promise.all(live.map((w) => w.exit));
  expect(ends.map((e) => e.code)).toEqual(ends.map(() => 0));
  for (const k of killed) expect((await k.exit).signal).toBe('SIGKILL');

  const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepRecord);
  expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  // Each epoch's windows tile it once, in order ([0, B), [B, 2B), ...), every epoch the same
  // number of them; and the DONEs of each step together computed its whole window (a redone step too).
  const windowsPerEpoch = new Map<number, number>();
  metrics.forEach((m, i) => {
    const previous = metrics[i - 1];
    const start = previous && previous.epoch === m.epoch ? previous.window[1] : 0;
    if (previous && previous.epoch !== m.epoch) expect(m.epoch, `step ${m.step}`).toBe(previous.epoch + 1);
    expect(m.window, `step ${m.step}`).toEqual([start, start + BATCH]);
    if (!m.recovered) expect(m.samples, `step ${m.step}`).toBe(BATCH);
    windowsPerEpoch.set(m.epoch, (windowsPerEpoch.get(m.epoch) ?? 0) + 1);
  });
  const counts = [...windowsPerEpoch.values()];
  expect(new Set(counts.slice(0, -1)).size).toBe(1);
  expect(counts.at(-1)!).toBeLessThanOrEqual(counts[0]!);
  const events = metrics.flatMap((m) => m.membership ?? []);
  expect(events.filter((e) => e.event === 'left')).toHaveLength(kills.length);
  expect(events.filter((e) => e.event === 'joined').length).toBeGreaterThanOrEqual(1); // the run needed them (16 - 4 < 13)
  console.log(`churn: ${STEPS} steps in ${((Date.now() - started) / 1000).toFixed(1)} s with ${events.filter((e) => e.event === 'joined').length} joins; ${metrics.at(-1)!.workers} workers at the end`);
}, 600_000);

// report.html as the coordinator keeps it: written when the coordinator starts (before any
// worker), rewritten while the run goes, and final at the end; every metrics line carries the
// learning rate and each rank's compute time the report draws.
import { afterAll, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learningRateAt } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { startCoordinator } from '../src/index.js';
import { killAll, spawnWorker } from './support/processes.js';
import { quietLogger } from './support/quiet-logger.js';
import { writeNpyImages } from './support/synthetic-data.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-report-'));
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** The steps the report at `path` charts (its embedded data), or null while there is no file. */
function chartedSteps(path: string): number[] | null {
  if (!existsSync(path)) return null;
  const page = readFileSync(path, 'utf8');
  const json = /<script type="application\/json" id="dgm-data">(.*?)<\/script>/s.exec(page)?.[1];
  return json ? (JSON.parse(json) as { chart: { steps: number[] } }).chart.steps : null;
}

it('writes report.html at the start, refreshes it during the run and once more at the end', async () => {
  writeNpyImages(join(dir, 'small.npy'), 100, 8, 8);
  const steps = 60;
  const config: RunConfig = { model: 'vae', modelOptions: { imageShape: [8, 8, 1], latentDim: 3, hidden: [16] }, trainer: { lrSchedule: { kind: 'cosine', steps } }, data: `npy:${join(dir, 'small.npy')}`, seed: 3, globalBatch: 8, steps };
  const runDir = join(dir, 'run');
  const report = join(runDir, 'report.html');
  const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config, workers: 2, runDir, backend: 'wasm', reportEveryMs: 100, logger: quietLogger() });
  // Before any worker joined: a page that says so, not nothing.
  await expect.poll(() => chartedSteps(report), { timeout: 10_000 }).toEqual([]);
  expect(readFileSync(report, 'utf8')).toContain('No step yet');
  const seen = new Set<number>();
  let ended = false;
  const watching = (async () => {
    while (!ended) {
      seen.add(chartedSteps(report)?.length ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const workers = [spawnWorker(handle.address), spawnWorker(handle.address)];
  await handle.done.finally(() => (ended = true));
  await watching;
  expect((await Promise.all(workers.map((w) => w.exit))).map((e) => e.code)).toEqual([0, 0]);
  // Refreshed while the run went: some report showed part of the steps.
  expect([...seen].some((n) => n > 0 && n < steps), `reports seen with ${[...seen].join(', ')} steps`).toBe(true);
  expect(chartedSteps(report)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  expect(readFileSync(report, 'utf8')).toContain('data-step="60"');
  const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; lr: number; workerComputeMs: number[]; computeMs: number });
  for (const l of lines) {
    expect(l.lr).toBe(learningRateAt(1e-3, { kind: 'cosine', steps, final: 0 }, l.step - 1));
    expect(l.workerComputeMs).toHaveLength(2);
    expect(Math.max(...l.workerComputeMs)).toBe(l.computeMs);
  }
  expect(lines[0].lr).toBeGreaterThan(lines.at(-1)!.lr);
});

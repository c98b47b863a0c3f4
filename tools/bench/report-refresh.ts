// What keeping report.html current costs the coordinator (it renders on its own event loop every
// 30 s): a synthetic run directory of --steps metrics lines (the coordinator's StepRecord shape,
// 2 workers) and --grids sample grids (690×690 PNGs like a dcgan run's), then the first
// full read + render + atomic write, and --rounds refreshes after one more line each (the
// RunReader parses only new lines). Medians; one JSON line with every figure at the end.
//
//   npm run build && node tools/dist/bench/report-refresh.js [--steps 100000] [--grids 200] [--rounds 7]
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunReader, writeReport } from '@dgm/report';
import { encode } from 'fast-png';
import { readBenchArgs, refuse } from './bench-args.js';
import { fmt, median } from './stats.js';

const USAGE = 'node tools/dist/bench/report-refresh.js [--steps 100000] [--grids 200] [--rounds 7]';
const { values } = readBenchArgs({ usage: USAGE, config: { options: { steps: { type: 'string' }, grids: { type: 'string' }, rounds: { type: 'string' } } } });
const steps = Number(values.steps ?? 100_000);
const grids = Number(values.grids ?? 200);
const rounds = Number(values.rounds ?? 7);
for (const [name, v] of Object.entries({ steps, grids, rounds })) {
  if (!Number.isInteger(v) || v < 1) refuse(`--${name} must be a positive integer.`);
}
// tfjs (machine.ts) loads only after the flags are read: a mistake is answered at once.
const { machineInfo } = await import('./machine.js');

const line = (step: number) =>
  `${JSON.stringify({ step, epoch: 0, time: new Date().toISOString(), losses: { d: Math.random(), g: Math.random() }, samples: 64, samplesPerSec: 500, stepMs: 100, computeMs: 70, commMs: 30, reduceMs: 10, workers: 2, lr: 2e-4, workerComputeMs: [70, 69] })}\n`;

const dir = mkdtempSync(join(tmpdir(), 'dgm-report-bench-'));
try {
  mkdirSync(join(dir, 'samples'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ config: { model: 'dcgan', data: 'mnist', steps, globalBatch: 64, seed: 0 }, configHash: 'x' }));
  const lines: string[] = [];
  for (let s = 1; s <= steps; s++) lines.push(line(s));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join(''));
  // Grids like a run's: 8×8 cells of 28×28 strokes (a fifth of the pixels inked, runs of ink as
  // pen strokes make), each pixel a 3×3 block, 2 px gaps: they compress as digit grids do.
  const grid = (): Uint8Array => {
    const width = 8 * 84 + 9 * 2;
    const pixels = new Uint8Array(width * width).fill(255);
    for (let cell = 0; cell < 64; cell++) {
      const [left, top] = [2 + (cell % 8) * 86, 2 + Math.floor(cell / 8) * 86];
      for (let y = 0; y < 28; y++) {
        let ink = false;
        for (let x = 0; x < 28; x++) {
          if (Math.random() < 0.15) ink = !ink;
          const v = ink ? Math.floor(200 + Math.random() * 55) : 0;
          for (let dy = 0; dy < 3; dy++) pixels.fill(v, (top + y * 3 + dy) * width + left + x * 3, (top + y * 3 + dy) * width + left + x * 3 + 3);
        }
      }
    }
    return encode({ width, height: width, data: pixels, channels: 1, depth: 8 });
  };
  for (let g = 1; g <= grids; g++) writeFileSync(join(dir, 'samples', `step-${String(Math.ceil((g * steps) / grids)).padStart(6, '0')}.png`), grid());

  const reader = new RunReader(dir);
  let t = performance.now();
  const first = await writeReport(dir, reader);
  const firstMs = performance.now() - t;
  const refreshes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    appendFileSync(join(dir, 'metrics.jsonl'), line(steps + r + 1));
    t = performance.now();
    await writeReport(dir, reader);
    refreshes.push(performance.now() - t);
  }
  const bytes = statSync(first.path).size;
  const m = machineInfo();
  console.log(`report.html of ${steps} steps and ${grids} grids (${first.view.grids.length} embedded): ${fmt(bytes / 1e6, 2)} MB`);
  console.log(`  first read + render + write   ${fmt(firstMs, 0)} ms`);
  console.log(`  refresh (median of ${rounds})       ${fmt(median(refreshes), 0)} ms   [${refreshes.map((x) => fmt(x, 0)).join(', ')}]`);
  console.log(JSON.stringify({ bench: 'report-refresh', steps, grids, rounds, bytes, firstMs, refreshMs: median(refreshes), refreshes, machine: m }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// What a change of members costs an elastic run (issue 14), with real worker processes:
//
//   npx tsc -b && node dist/bench/elastic.js [--model dcgan|mlp-gan] [--rounds N] [--batch N]
//
// A run of 3 `dgm worker` processes (wasm, this machine) with --min-workers 2 --max-workers 3
// and the default 500 ms heartbeat / 10 s liveness timeout (a kill -9 is noticed at once: its
// connection closes). Each round: kill -9 of one worker at a step, the
// time until the next step completes (the loss noticed, the survivors settled, the broken step
// redone by two); then a fresh `dgm worker --connect` and, from the coordinator's log, the join:
// from its admission (waiting for the step boundary) to its placement (ABORT round, a full
// SNAPSHOT of a live replica, STATE to the joiner), then to the next completed step (the joiner
// loads the state and computes its share). Next to them, the median step time of the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepRecord } from '@dgm/coordinator';
import { workerEnv } from '@dgm/worker/device';
import { createDgmLogger } from '@dgm/protocol/log';
import { oneOf, readBenchArgs, wholeNumber } from './bench-args.js';
import { fmt, median } from './stats.js';

const DGM = fileURLToPath(new URL('../../../packages/cli/bin/dgm.js', import.meta.url));
const USAGE = 'node tools/dist/bench/elastic.js [--model dcgan|mlp-gan] [--rounds 5] [--batch 64] [--json FILE]';
const { values } = readBenchArgs({ usage: USAGE, config: { options: { model: { type: 'string', default: 'dcgan' }, rounds: { type: 'string', default: '5' }, batch: { type: 'string', default: '64' }, json: { type: 'string' } } } });
const model = oneOf(values.model, '--model', ['dcgan', 'mlp-gan'] as const);
const rounds = wholeNumber(values.rounds, '--rounds', 1, 1000, 'a whole number of rounds from 1 to 1000');
// Three workers share the global batch, so each has at least one image.
const batch = wholeNumber(values.batch, '--batch', 3, 65_536, 'a global batch from 3 to 65536 (three workers share it)');
// tfjs (the coordinator, machine.ts) loads only after the flags are read: a mistake is answered at once.
const { startCoordinator } = await import('@dgm/coordinator');
const { machineInfo } = await import('./machine.js');

const dir = mkdtempSync(join(tmpdir(), 'dgm-bench-elastic-'));
const children = new Set<ChildProcess>();
function worker(address: string): ChildProcess {
  const child = spawn(process.execPath, [DGM, 'worker', '--connect', address, '--backend', 'wasm', '--heartbeat-ms', '500', '--timeout-ms', '10000'], { stdio: 'ignore', env: workerEnv(process.env, { gpu: null }) });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

const logFile = join(dir, 'coordinator.log');
const steps: { step: number; at: number; ms: number }[] = [];
let waiting: ((r: StepRecord) => void) | null = null;
/** The next completed step; a run that makes none for 5 minutes fails the benchmark (never a hang). */
const nextStep = () =>
  new Promise<StepRecord>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no step completed within 5 minutes')), 300_000);
    waiting = (r) => {
      clearTimeout(timer);
      resolve(r);
    };
  });
const handle = await startCoordinator({
  bind: 'tcp://127.0.0.1:*',
  // The default DCGAN of `dgm train --model dcgan` (the anchor's network) on the bundled MNIST.
  config: { model, modelOptions: {}, trainer: {}, data: 'mnist', seed: 0, globalBatch: batch, steps: 1_000_000 },
  workers: 3, minWorkers: 2, maxWorkers: 3, maxFailures: 1000, backend: 'wasm', checkEvery: 0,
  heartbeatMs: 500, timeoutMs: 10_000,
  logger: createDgmLogger({ process: 'coordinator', file: logFile, level: 'info', echoLevel: 'error' }),
  onStep: (r) => {
    steps.push({ step: r.step, at: Date.now(), ms: r.stepMs });
    const w = waiting;
    waiting = null;
    w?.(r);
  },
});
const live = [worker(handle.address), worker(handle.address), worker(handle.address)];
const kills: number[] = [];
try {
  for (let i = 0; i < 3; i++) await nextStep(); // everyone joined and warm
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 3; i++) await nextStep();
    const victim = live.shift()!;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await nextStep();
    kills.push(Date.now() - killedAt);
    live.push(worker(handle.address));
    // The join is placed at a step boundary; wait until the run has three workers again.
    for (let r2 = await nextStep(); r2.workers < 3; r2 = await nextStep());
    const joinedStep = steps.at(-1)!.step;
    console.log(`round ${r + 1}: kill -9 to the next completed step ${kills.at(-1)} ms; back to 3 workers at step ${joinedStep}`);
  }
} finally {
  handle.stop('benchmark over');
  await handle.done.catch(() => undefined);
  for (const c of children) c.kill('SIGKILL');
}

// The joins from the coordinator's log: admitted (waits for a boundary) → placed (state sent).
await new Promise((r) => setTimeout(r, 500));
const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string; timestamp: string; snapshotMs?: number | null; stateBytes?: number });
const joins = lines.filter((l) => / joined at step \d+/.test(l.message));
const snapshotMs = joins.map((l) => l.snapshotMs ?? NaN);
const stateMb = joins.map((l) => Number(((l.stateBytes ?? NaN) / 1e6).toFixed(1)));
const admitted = lines.filter((l) => l.message.startsWith('a worker joins the running run')).map((l) => Date.parse(l.timestamp));
const placed = lines.filter((l) => / joined at step \d+/.test(l.message)).map((l) => Date.parse(l.timestamp));
const settleMs = placed.map((p, i) => p - admitted[i]!);
const afterPlaceMs = placed.map((p) => {
  const next = steps.find((s) => s.at >= p);
  return next ? next.at - p : NaN;
});
const stepMs = median(steps.slice(3).map((s) => s.ms));
const result = { model, batch, rounds, machine: machineInfo(), stepMsMedian: stepMs, killToNextStepMs: kills, killToNextStepMedian: median(kills), joinSettleMs: settleMs, joinSettleMedian: median(settleMs), snapshotMs, snapshotMedian: median(snapshotMs), stateMb, placedToNextStepMs: afterPlaceMs, placedToNextStepMedian: median(afterPlaceMs) };
console.log(`\n${model}, global batch ${batch}, 3 wasm workers (--min-workers 2): median step ${fmt(stepMs)} ms`);
console.log(`  kill -9 → next completed step: ${kills.join(', ')} ms (median ${fmt(result.killToNextStepMedian)})`);
console.log(`  join admitted → placed (ABORT round, snapshot, STATE): ${settleMs.join(', ')} ms (median ${fmt(result.joinSettleMedian)})`);
console.log(`  of which a live replica's full SNAPSHOT (the joiner's STATE, ${stateMb.join(', ')} MB): ${snapshotMs.join(', ')} ms (median ${fmt(result.snapshotMedian)})`);
console.log(`  placed → next completed step: ${afterPlaceMs.join(', ')} ms (median ${fmt(result.placedToNextStepMedian)})`);
console.log(JSON.stringify(result));
if (values.json) writeFileSync(values.json, `${JSON.stringify(result)}\n`);
rmSync(dir, { recursive: true, force: true });
// The coordinator's report refresher and ZeroMQ context would keep the process up: the benchmark is over.
process.exit(0);

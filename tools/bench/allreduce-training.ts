// Whole-runtime benchmarks: a real coordinator (this process) and real worker processes.
// - scaling: DCGAN images/s at a fixed global batch with 1 and 2 workers;
// - overhead: per-step cost of distribution for a tiny (latency-bound) model.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startCoordinator, type StepRecord } from '@dgm/coordinator';
import type { RunConfig } from '@dgm/protocol';
import { readPublicKeys, readSecretKeyFile, writeKeyPairFiles } from '@dgm/protocol/security';
import { workerEnv } from '@dgm/worker';
import { median } from './stats.js';

/** The `dgm` command: every worker process is `dgm worker` (--json keeps its progress lines off the bench's output). */
const DGM = join(dirname(createRequire(import.meta.url).resolve('@dgm/cli/package.json')), 'bin', 'dgm.js');

export interface TrainingRun {
  workers: number;
  records: StepRecord[];
}

/** What `stepOverhead` reads of a step: dgm's metrics line, or ddp_overhead.py's record of a DDP step in the same fields. */
export type OverheadRecord = Pick<StepRecord, 'stepMs' | 'computeMs' | 'reduceMs' | 'workerComputeMs'>;

export interface TrainingOptions {
  /** Force a data plane (default: the run's auto choice). */
  dataPlane?: 'star' | 'auto';
  /**
   * Close the run with CURVE as a user would: a key pair written by the same code as `dgm keys
   * new`, the coordinator reading it back, the workers given `--key` and `--server-key`.
   */
  curve?: boolean;
}

/** Trains `config` with `workers` worker processes (wasm, CPU) and returns every step's metrics. */
export async function trainDistributed(config: RunConfig, workers: number, transport: 'tcp' | 'ipc', options: TrainingOptions = {}): Promise<TrainingRun> {
  const records: StepRecord[] = [];
  const bind = transport === 'ipc' ? `ipc:///tmp/dgm-bench-${process.pid}-${workers}.sock` : 'tcp://127.0.0.1:*';
  const keyDir = options.curve ? mkdtempSync(join(tmpdir(), 'dgm-bench-keys-')) : null;
  const keys = keyDir ? writeKeyPairFiles(join(keyDir, 'cluster')) : null;
  const curve = keys ? { keyPair: readSecretKeyFile(keys.secretFile, '--key'), allow: readPublicKeys(keys.publicFile, '--allow') } : undefined;
  const handle = await startCoordinator({ bind, config, workers, backend: 'wasm', checkEvery: 0, onStep: (r) => records.push(r), ...(options.dataPlane ? { dataPlane: options.dataPlane } : {}), ...(curve ? { curve } : {}) });
  const keyArgs = keys ? ['--key', keys.secretFile, '--server-key', keys.publicFile] : [];
  const procs = Array.from({ length: workers }, () =>
    spawn(process.execPath, [DGM, 'worker', '--connect', handle.address, '--backend', 'wasm', '--json', ...keyArgs], { env: workerEnv(process.env, { gpu: null }), stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  // A worker that exits before the run ends (a flag it refuses, a crash) stops the benchmark at
  // once with its exit code, instead of leaving the coordinator waiting for it until the join
  // or step timeout.
  const early = procs.map((p) => new Promise<never>((_, reject) => p.once('exit', (code, signal) => reject(new Error(`a worker process exited with ${signal ?? `code ${code}`} before the run ended`)))));
  try {
    await Promise.race([handle.done, ...early]);
  } catch (error) {
    handle.stop('a worker process ended early');
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await handle.done.catch(() => undefined);
    throw error;
  } finally {
    await Promise.all(procs.map((p) => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve(null) : p.on('exit', resolve)))));
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  }
  return { workers, records };
}

/** Images per second over the steps after `warmup`: samples / wall time of those steps. */
export function imagesPerSec(run: TrainingRun, warmup: number): number {
  const measured = run.records.slice(warmup);
  const samples = measured.reduce((a, r) => a + r.samples, 0);
  const seconds = measured.reduce((a, r) => a + r.stepMs, 0) / 1000;
  return samples / seconds;
}

export interface StepOverhead {
  stepMs: number;
  computeMs: number;
  overheadMs: number;
  imbalanceMs: number;
  outsideMs: number;
}

/**
 * Median step time, median slowest-worker compute time, and the median of their difference (the
 * overhead); and two medians that say where the overhead goes (a worker's "compute" is its step
 * wall time minus its time in reduce, so the faster one's reduce holds its wait for the slower):
 * `imbalanceMs`, the workers' compute apart (max − min), and `outsideMs`, the step's time beyond
 * the faster worker's compute + the longest reduce (the step turn-around: STEP, DONE, the
 * coordinator). What is left, overhead − outside, is spent inside reduce: hops and averaging,
 * plus the per-phase waits for whichever worker is slower at that phase.
 */
export function stepOverhead(run: { records: readonly OverheadRecord[] }, warmup: number): StepOverhead {
  const measured = run.records.slice(warmup);
  const fastest = (r: OverheadRecord) => (r.workerComputeMs.length > 0 ? Math.min(...r.workerComputeMs) : r.computeMs);
  return {
    stepMs: median(measured.map((r) => r.stepMs)),
    computeMs: median(measured.map((r) => r.computeMs)),
    overheadMs: median(measured.map((r) => r.stepMs - r.computeMs)),
    imbalanceMs: median(measured.map((r) => r.computeMs - fastest(r))),
    outsideMs: median(measured.map((r) => r.stepMs - fastest(r) - r.reduceMs)),
  };
}

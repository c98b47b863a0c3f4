// Training-throughput benchmarks of dgm (kept out of `npm test`).
//
//   npm run build && npm run bench -- <name> [--rounds N] [--steps N] [--batch N] [--backend wasm]
//
// names:
//   dcgan    dgm's Trainer on createModel('dcgan') vs the PyTorch anchor (tools/bench/torch/
//            ddp_dcgan.py 1 <batch> <steps>), alternated --rounds times; medians and ratio.
//   mlp-gan  dgm's Trainer vs its PyTorch counterpart (tools/bench/torch/dense_models.py), alternated.
//   vae      the same for the 784-400-20 VAE.
//   profile  per-kernel self CPU time of --steps steps of --model (default dcgan).
//   kernels  the DCGAN step's gradient kernels: stock tfjs-backend-wasm vs dgm's, CPU ms per call.
//   all      dcgan, mlp-gan and vae.
//   finite-check  the cost of the poisoned-step check (core's allFinite, twice per phase) against
//            a step of --model (default dcgan), alternated --rounds times.
//   conditional  the step-time cost of model option conditional: --model (default dcgan-record, the
//            sample-quality record run's network) without and with it, alternated --rounds times.
// Prints a table, then one JSON line with every figure (--json FILE also writes it there).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, initBackend } from '@dgm/core';
import type { BackendChoice } from '@dgm/core';
import { compareKernels } from './kernel-compare.js';
import { instrumentKernels } from './kernel-profile.js';
import type { KernelTime } from './kernel-profile.js';
import { machineInfo } from './machine.js';
import { benchConditioning } from './conditioning-cost.js';
import { benchFiniteCheck } from './finite-check.js';
import { dcganSideBySide } from './side-by-side.js';
import { fmt, median } from './stats.js';
import { checkAnchor, DCGAN_ANCHOR, DENSE_ANCHOR, PYTHON, runDenseAnchor } from './torch-anchor.js';
import { BENCH_MODELS, TrainerBench } from './trainer-throughput.js';

const NAMES = ['dcgan', 'mlp-gan', 'vae', 'profile', 'kernels', 'all', 'conditional', 'finite-check'] as const;
type BenchName = (typeof NAMES)[number];

interface Settings {
  rounds: number;
  steps: number;
  batch: number;
  warmup: number;
  model: string;
}

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run bench -- <${NAMES.join('|')}> [--rounds N] [--steps N] [--batch N] [--warmup N] [--backend auto|tensorflow|wasm|cpu] [--model NAME] [--json FILE]\n`);
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) usage(`--${name} must be a positive integer, got '${raw}'.`);
  return v;
}

async function benchDcgan(s: Settings, report: Record<string, unknown>): Promise<void> {
  checkAnchor();
  const bench = new TrainerBench('dcgan', s.batch);
  try {
    await bench.warmUp(s.warmup);
    console.log(`\ndcgan, batch ${s.batch}, ${s.steps} steps per measurement, ${s.rounds} rounds alternating with`);
    console.log(`  ${PYTHON} ${DCGAN_ANCHOR} 1 ${s.batch} ${s.steps}`);
    console.log('  (the anchor runs unchanged as __main__ under a 5-line wrapper that also reports its CPU time)');
    console.log('                 wall clock                         per CPU second');
    console.log('  round    dgm img/s  torch img/s  dgm/torch    dgm img/s  torch img/s  dgm/torch');
    const row = (label: string, a: number, b: number, c: number, d: number) =>
      `  ${label.padEnd(6)} ${fmt(a).padStart(10)} ${fmt(b).padStart(12)} ${fmt(a / b, 2).padStart(10)} ${fmt(c).padStart(12)} ${fmt(d).padStart(12)} ${fmt(c / d, 2).padStart(10)}`;
    const result = await dcganSideBySide(bench, s.rounds, s.steps, (r, i) => {
      console.log(row(String(i + 1), r.oursImagesPerSec, r.torchImagesPerSec, r.oursCpuImagesPerSec, r.torchCpuImagesPerSec));
    });
    console.log(row('median', result.oursMedian, result.torchMedian, result.oursCpuMedian, result.torchCpuMedian));
    console.log(
      `  ratio (dgm/torch): wall clock ${fmt(result.ratio, 2)} (median of paired rounds ${fmt(result.pairedRatio, 2)}); per CPU second ${fmt(result.cpuRatio, 2)}`,
    );
    report.dcgan = { note: BENCH_MODELS.dcgan!.note, batch: s.batch, steps: s.steps, ...result };
  } finally {
    bench.dispose();
  }
}

interface DenseRound {
  oursImagesPerSec: number;
  oursCpuImagesPerSec: number;
  oursMsPerStep: number;
  torchImagesPerSec: number;
  torchCpuImagesPerSec: number;
}

async function benchDense(name: 'mlp-gan' | 'vae', s: Settings, report: Record<string, unknown>): Promise<void> {
  checkAnchor();
  const bench = new TrainerBench(name, s.batch);
  try {
    await bench.warmUp(s.warmup);
    console.log(`\n${name} (${BENCH_MODELS[name]!.note}), batch ${s.batch}, ${s.steps} steps per measurement, ${s.rounds} rounds alternating with`);
    console.log(`  ${PYTHON} ${DENSE_ANCHOR} ${name} ${s.batch} ${s.steps}   (its PyTorch counterpart, one thread)`);
    console.log('  round    dgm img/s  torch img/s  dgm/torch    dgm img/CPU-s  torch img/CPU-s  dgm/torch');
    const rounds: DenseRound[] = [];
    for (let r = 0; r < s.rounds; r++) {
      const oursFirst = r % 2 === 0;
      const torchEarly = oursFirst ? null : await runDenseAnchor(name, s.batch, s.steps);
      const ours = await bench.measure(s.steps);
      const torch = torchEarly ?? (await runDenseAnchor(name, s.batch, s.steps));
      const round = {
        oursImagesPerSec: ours.imagesPerSec,
        oursCpuImagesPerSec: (ours.steps * ours.batch) / ours.cpuSeconds,
        oursMsPerStep: (ours.seconds * 1000) / ours.steps,
        torchImagesPerSec: torch.imagesPerSec,
        torchCpuImagesPerSec: torch.cpuImagesPerSec,
      };
      rounds.push(round);
      console.log(denseRow(String(r + 1), round.oursImagesPerSec, round.torchImagesPerSec, round.oursCpuImagesPerSec, round.torchCpuImagesPerSec));
    }
    const m = (f: (r: DenseRound) => number) => median(rounds.map(f));
    const result = {
      oursMedian: m((r) => r.oursImagesPerSec),
      torchMedian: m((r) => r.torchImagesPerSec),
      oursCpuMedian: m((r) => r.oursCpuImagesPerSec),
      torchCpuMedian: m((r) => r.torchCpuImagesPerSec),
      msPerStep: m((r) => r.oursMsPerStep),
    };
    console.log(denseRow('median', result.oursMedian, result.torchMedian, result.oursCpuMedian, result.torchCpuMedian));
    console.log(`  dgm ${fmt(result.msPerStep, 2)} ms/step; ratio (dgm/torch): wall clock ${fmt(result.oursMedian / result.torchMedian, 2)}, per CPU second ${fmt(result.oursCpuMedian / result.torchCpuMedian, 2)}`);
    report[name] = { note: BENCH_MODELS[name]!.note, batch: s.batch, steps: s.steps, rounds, ...result };
  } finally {
    bench.dispose();
  }
}

function denseRow(label: string, a: number, b: number, c: number, d: number): string {
  return `  ${label.padEnd(6)} ${fmt(a).padStart(10)} ${fmt(b).padStart(12)} ${fmt(a / b, 2).padStart(10)} ${fmt(c).padStart(16)} ${fmt(d).padStart(16)} ${fmt(c / d, 2).padStart(10)}`;
}

async function benchProfile(backend: string, s: Settings, report: Record<string, unknown>): Promise<void> {
  const bench = new TrainerBench(s.model, s.batch);
  const times = new Map<string, KernelTime>();
  try {
    await bench.warmUp(s.warmup);
    const restore = instrumentKernels(backend, times);
    let sample;
    try {
      sample = await bench.measure(s.steps);
    } finally {
      restore();
    }
    const rows = [...times.values()].sort((a, b) => b.selfMs - a.selfMs);
    const kernelMs = rows.reduce((sum, r) => sum + r.selfMs, 0) / s.steps;
    console.log(`\nprofile of ${s.model}, batch ${s.batch}: ${fmt((sample.cpuSeconds * 1000) / s.steps)} CPU ms/step, of which kernels ${fmt(kernelMs)} ms`);
    console.log('  ms/step  calls/step  kernel  input shapes');
    for (const r of rows.slice(0, 30)) {
      console.log(`  ${fmt(r.selfMs / s.steps, 2).padStart(7)}  ${fmt(r.calls / s.steps).padStart(10)}  ${r.kernel}  ${r.shapes}`);
    }
    report.profile = { model: s.model, batch: s.batch, steps: s.steps, cpuMsPerStep: (sample.cpuSeconds * 1000) / s.steps, kernelMsPerStep: kernelMs, kernels: rows.slice(0, 40) };
  } finally {
    bench.dispose();
  }
}

async function benchKernels(s: Settings, report: Record<string, unknown>): Promise<void> {
  const rows = await compareKernels(s.rounds);
  console.log(`\nkernels of a DCGAN step, batch 64, median process CPU ms per call (${s.rounds} calls; stock: at most 3)`);
  console.log('     stock       dgm   speed-up  kernel: what');
  for (const r of rows) {
    const stock = r.stockMs === null ? 'missing' : fmt(r.stockMs);
    const speedUp = r.stockMs === null ? '-' : `${fmt(r.stockMs / r.dgmMs)}x`;
    console.log(`  ${stock.padStart(8)}  ${fmt(r.dgmMs).padStart(8)}  ${speedUp.padStart(9)}  ${r.kernel}: ${r.what}`);
  }
  report.kernels = rows;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rounds: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      warmup: { type: 'string' },
      backend: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const name = positionals[0] as BenchName | undefined;
  if (name === undefined || !NAMES.includes(name)) usage(`name one benchmark: ${NAMES.join(', ')}.`);
  const s: Settings = {
    rounds: positiveInt('rounds', values.rounds, 5),
    steps: positiveInt('steps', values.steps, name === 'profile' ? 5 : 20),
    batch: positiveInt('batch', values.batch, 64),
    warmup: positiveInt('warmup', values.warmup, 3),
    model: values.model ?? (name === 'conditional' ? 'dcgan-record' : 'dcgan'),
  };
  if (BENCH_MODELS[s.model] === undefined) usage(`--model must be one of ${Object.keys(BENCH_MODELS).join(', ')}, got '${s.model}'.`);
  if ((name === 'dcgan' || name === 'all') && s.steps < 2) usage('--steps must be 2 or more for dcgan (a 1-step anchor run is the CPU-time baseline).');
  const backendChoice = values.backend ?? 'wasm';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backendChoice)) usage(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${backendChoice}'.`);

  const started = performance.now();
  if (name === 'kernels') {
    // Captures the stock kernels before initBackend replaces them, so it must run first.
    const report: Record<string, unknown> = { bench: name, settings: s };
    await benchKernels(s, report);
    report.machine = machineInfo();
    report.wallSeconds = (performance.now() - started) / 1000;
    console.log(`\nwall time ${fmt(report.wallSeconds as number)} s`);
    console.log(JSON.stringify(report));
    if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify(report)}\n`);
    return;
  }
  const backend = await initBackend(backendChoice as BackendChoice, { log: (m) => console.log(m) });
  const machine = machineInfo();
  console.log(`backend ${backend.backend}: ${backend.detail}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, node ${machine.node}, tfjs ${machine.tfjs}, load ${machine.loadAverage.join(' ')}`);

  const report: Record<string, unknown> = { bench: name, backend, machine, settings: s };
  if (name === 'dcgan' || name === 'all') await benchDcgan(s, report);
  if (name === 'mlp-gan' || name === 'all') await benchDense('mlp-gan', s, report);
  if (name === 'vae' || name === 'all') await benchDense('vae', s, report);
  if (name === 'profile') await benchProfile(backend.backend, s, report);
  if (name === 'conditional') await benchConditioning(s, report);
  if (name === 'finite-check') await benchFiniteCheck(s, report);

  report.wallSeconds = (performance.now() - started) / 1000;
  report.loadAverageAfter = machineInfo().loadAverage;
  console.log(`\nwall time ${fmt(report.wallSeconds as number)} s; load average after ${(report.loadAverageAfter as number[]).join(' ')}`);
  const line = JSON.stringify(report);
  console.log(line);
  if (values.json !== undefined) await writeFile(values.json, `${line}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

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
import { BACKEND_NAMES, type BackendChoice } from '@dgm/core/names';
import { readBenchArgs, refuse } from './bench-args.js';
import { BENCH_MODELS } from './bench-models.js';
import { fmt } from './stats.js';
import type { Settings } from './training-benches.js';

const NAMES = ['dcgan', 'mlp-gan', 'vae', 'profile', 'kernels', 'all', 'conditional', 'finite-check'] as const;
type BenchName = (typeof NAMES)[number];
const USAGE = `npm run bench -- <${NAMES.join('|')}> [--rounds N] [--steps N] [--batch N] [--warmup N] [--backend ${BACKEND_NAMES.join('|')}] [--model NAME] [--json FILE]`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) refuse(`--${name} must be a positive integer, got '${raw}'.`);
  return v;
}

async function main(): Promise<void> {
  const { values, positionals } = readBenchArgs({
    usage: USAGE,
    config: {
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
    },
  });
  const name = positionals[0] as BenchName | undefined;
  if (name === undefined || !NAMES.includes(name) || positionals.length > 1) refuse(`name one benchmark: ${NAMES.join(', ')}; usage: ${USAGE}`);
  const s: Settings = {
    rounds: positiveInt('rounds', values.rounds, 5),
    steps: positiveInt('steps', values.steps, name === 'profile' ? 5 : 20),
    batch: positiveInt('batch', values.batch, 64),
    warmup: positiveInt('warmup', values.warmup, 3),
    model: values.model ?? (name === 'conditional' ? 'dcgan-record' : 'dcgan'),
  };
  if (BENCH_MODELS[s.model] === undefined) refuse(`--model must be one of ${Object.keys(BENCH_MODELS).join(', ')}, got '${s.model}'.`);
  if ((name === 'dcgan' || name === 'all') && s.steps < 2) refuse('--steps must be 2 or more for dcgan (a 1-step anchor run is the CPU-time baseline).');
  const backendChoice = values.backend ?? 'wasm';
  if (!(BACKEND_NAMES as readonly string[]).includes(backendChoice)) refuse(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${backendChoice}'.`);
  // TensorFlow.js and the benches load only after the flags are read: a mistake is answered at once.
  const { benchDcgan, benchDense, benchKernels, benchProfile } = await import('./training-benches.js');
  const { benchConditioning } = await import('./conditioning-cost.js');
  const { benchFiniteCheck } = await import('./finite-check.js');
  const { machineInfo } = await import('./machine.js');
  const { initBackend } = await import('@dgm/core');

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

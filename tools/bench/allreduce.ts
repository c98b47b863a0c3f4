// Distributed-runtime benchmarks of dgm (kept out of `npm test`):
//
//   npm run build && node tools/dist/bench/allreduce.js <allreduce|scaling|overhead|curve|all>
//        [--workers 2,4] [--reps 10] [--plane star-ipc,shared] [--transport tcp,ipc] [--impl dgm,ddp] [--steps N] [--warmup N] [--rounds N] [--json FILE]
//
//   allreduce  float32 all-reduce, 4 KB to 64 MB, among N ranks on one host: dgm's runtime on
//              each data plane of --plane (star-tcp, star-ipc: through the coordinator; shared:
//              the workers' shared-memory segments) next to tools/bench/torch/ddp_allreduce.py
//              (PyTorch gloo), seconds/algbw/busbw; --rounds alternate them (default 1).
//   scaling    DCGAN (normalization none, the anchor's layers) images/s at global batch 128 with
//              1 and 2 workers, next to ddp_dcgan.py with 1 and 2 processes.
//   overhead   a tiny mlp-gan, 1 and 2 workers: median step time minus the slowest worker's compute
//              (step-overhead.ts); --impl dgm,ddp adds PyTorch DDP over gloo training the same model
//              (tools/bench/torch/ddp_overhead.py), alternated round by round (--rounds, default 1);
//              figures over --steps (default 700) after --warmup (default 200).
//   curve      what CURVE costs: DCGAN images/s, 2 workers, star plane over tcp, with and without
//              CURVE, alternated --rounds times (the all-reduce side: --plane star-tcp,star-curve).
// Prints tables, then one JSON line with every figure.
import { writeFile } from 'node:fs/promises';
import type { RunConfig } from '@dgm/protocol';
import { ddpDcgan, glooAllReduce } from './allreduce-anchors.js';
import { PLANE_NAMES, runtimeAllReduce, type AllReduceRow, type Plane } from './allreduce-runtime.js';
import { listOf, nameIn, readBenchArgs, refuse, wholeIn, wholeNumber } from './bench-args.js';
import { median } from './stats.js';
import type { OverheadImpl } from './step-overhead.js';

const SIZES = [4096, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const NAMES = ['allreduce', 'scaling', 'overhead', 'curve', 'all'];
const USAGE = 'node tools/dist/bench/allreduce.js <allreduce|scaling|overhead|curve|all> [--workers 2,4] [--reps N] [--plane star-ipc,shared] [--transport tcp,ipc] [--impl dgm,ddp] [--steps N] [--warmup N] [--rounds N] [--json FILE]';

const f = (v: number, d = 3) => v.toFixed(d);
const human = (bytes: number) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`);

async function allreduce(workers: number[], reps: number, planes: Plane[], rounds: number, report: Record<string, unknown>): Promise<void> {
  const all: AllReduceRow[] = [];
  for (const n of workers) {
    // Rounds alternate the implementations so each sees the same (noisy) load; per size, the
    // median over rounds of each round's median.
    const byImpl = new Map<string, AllReduceRow[][]>();
    for (let r = 0; r < rounds; r++) {
      for (const p of planes) push(byImpl, await runtimeAllReduce(n, SIZES, reps, 2, p));
      push(byImpl, await glooAllReduce(n, SIZES, reps));
    }
    const rows = [...byImpl.values()].map((runs) => SIZES.map((_, i) => medianRow(runs.map((r) => r[i]!))));
    console.log(`\nall-reduce among ${n} ranks on loopback (median of ${reps}; busbw = algbw·2(n-1)/n)`);
    console.log(`  size     ${rows.map((r) => r[0]!.impl.padStart(30)).join('')}`);
    console.log(`           ${rows.map(() => '      sec   algbw   busbw GB/s').join('')}`);
    for (let i = 0; i < SIZES.length; i++) {
      console.log(`  ${human(SIZES[i]!).padEnd(8)} ${rows.map((r) => `${f(r[i]!.sec, 5).padStart(9)}${f(r[i]!.algbw_GBs).padStart(8)}${f(r[i]!.busbw_GBs).padStart(8)}     `).join('')}`);
    }
    all.push(...rows.flat());
  }
  report.allreduce = all;
}

function push(byImpl: Map<string, AllReduceRow[][]>, rows: AllReduceRow[]): void {
  const key = rows[0]!.impl;
  byImpl.set(key, [...(byImpl.get(key) ?? []), rows]);
}

/** The row whose time is the median of these rounds' (upper median for an even count). */
function medianRow(rows: AllReduceRow[]): AllReduceRow {
  const sorted = [...rows].sort((a, b) => a.sec - b.sec);
  return { ...sorted[Math.floor(sorted.length / 2)]!, rounds: rows.map((r) => r.sec) } as AllReduceRow;
}

async function scaling(steps: number, rounds: number, report: Record<string, unknown>): Promise<void> {
  const { imagesPerSec, trainDistributed } = await import('./allreduce-training.js');
  const config = (globalBatch: number): RunConfig => ({
    model: 'dcgan', modelOptions: { normalization: 'none' }, trainer: {}, data: 'mnist', seed: 1, globalBatch, steps,
  });
  const warmup = 2;
  const eff = (a: number, b: number) => b / (2 * a);
  // The machine is shared: rounds alternate the four runs so each sees the same (noisy) load,
  // and the medians are compared.
  const dgm1: number[] = [];
  const dgm2: number[] = [];
  const torch1: number[] = [];
  const torch2: number[] = [];
  console.log(`\nDCGAN (anchor layers, normalization none), global batch 128, ${steps - warmup} measured steps, ${rounds} rounds`);
  console.log('  round   dgm 1w img/s   dgm 2w img/s   eff    torch 1p img/s   torch 2p img/s   eff');
  for (let r = 0; r < rounds; r++) {
    dgm1.push(imagesPerSec(await trainDistributed(config(128), 1, 'ipc'), warmup));
    dgm2.push(imagesPerSec(await trainDistributed(config(128), 2, 'ipc'), warmup));
    torch1.push(await ddpDcgan(1, 128, steps - warmup));
    torch2.push(await ddpDcgan(2, 64, steps - warmup));
    console.log(`  ${String(r + 1).padEnd(6)}${f(dgm1[r]!, 1).padStart(14)}${f(dgm2[r]!, 1).padStart(15)}${f(eff(dgm1[r]!, dgm2[r]!), 2).padStart(7)}${f(torch1[r]!, 1).padStart(17)}${f(torch2[r]!, 1).padStart(17)}${f(eff(torch1[r]!, torch2[r]!), 2).padStart(7)}`);
  }
  const [one, two, torchOne, torchTwo] = [median(dgm1), median(dgm2), median(torch1), median(torch2)];
  console.log(`  median${f(one, 1).padStart(14)}${f(two, 1).padStart(15)}${f(eff(one, two), 2).padStart(7)}${f(torchOne, 1).padStart(17)}${f(torchTwo, 1).padStart(17)}${f(eff(torchOne, torchTwo), 2).padStart(7)}`);
  report.scaling = {
    globalBatch: 128, steps: steps - warmup, rounds,
    dgm: { one, two, efficiency: eff(one, two), rounds: { one: dgm1, two: dgm2 } },
    torch: { one: torchOne, two: torchTwo, efficiency: eff(torchOne, torchTwo), rounds: { one: torch1, two: torch2 } },
  };
}

async function main(): Promise<void> {
  const { values, positionals } = readBenchArgs({
    usage: USAGE,
    config: {
      allowPositionals: true,
      options: { workers: { type: 'string' }, reps: { type: 'string' }, rounds: { type: 'string' }, transport: { type: 'string' }, plane: { type: 'string' }, impl: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, json: { type: 'string' } },
    },
  });
  const name = positionals[0];
  if (!name || !NAMES.includes(name) || positionals.length > 1) refuse(`name one benchmark: allreduce, scaling, overhead, curve or all; usage: ${USAGE}`);
  const workers = (values.workers ?? '2,4').split(',').map(Number);
  const reps = Number(values.reps ?? 10);
  const transports = (values.transport ?? 'tcp,ipc').split(',') as ('tcp' | 'ipc')[];
  if (workers.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(reps) || reps < 1 || transports.some((t) => t !== 'tcp' && t !== 'ipc')) {
    refuse('--workers is a list of positive integers, --reps a positive integer, --transport a list of tcp and ipc.');
  }
  const planes = listOf(values.plane ?? 'star-ipc,shared', '--plane', nameIn(PLANE_NAMES), `a comma-separated list of ${PLANE_NAMES.join(', ')}`);
  // Each bench has its own default rounds and steps; a value given is checked once for all.
  const rounds = values.rounds === undefined ? undefined : wholeNumber(values.rounds, '--rounds', 1, 1000, 'a whole number of rounds from 1 to 1000');
  const steps = values.steps === undefined ? undefined : wholeNumber(values.steps, '--steps', 1, 1_000_000, 'a whole number of steps');
  // The overhead bench drops its first --warmup steps (200: tfjs's kernels and the workers' code
  // reach their steady speed over the first few hundred steps); it needs more than that to have a figure.
  const overheadWarmup = values.warmup === undefined ? 200 : wholeNumber(values.warmup, '--warmup', 0, 1_000_000, 'a whole number of steps');
  const overheadSteps = steps ?? overheadWarmup + 500;
  if ((name === 'overhead' || name === 'all') && !(overheadSteps > overheadWarmup)) refuse(`--steps of the overhead bench must be above its warm-up (--warmup, ${overheadWarmup} steps).`);
  // scaling and curve measure after 2 warm-up steps.
  if ((name === 'scaling' || name === 'curve' || name === 'all') && steps !== undefined && steps <= 2) refuse('--steps of the scaling and curve benches is an integer above 2 (their first 2 steps are warm-up).');
  // tfjs (machine.ts, the runtime) loads only after the flags are read: a mistake is answered at once.
  const { OVERHEAD_IMPLS, overheadBench } = await import('./step-overhead.js');
  const impls = (values.impl ?? 'dgm').split(',') as OverheadImpl[];
  if (impls.length === 0 || impls.some((i) => !OVERHEAD_IMPLS.includes(i))) refuse(`--impl is a list of ${OVERHEAD_IMPLS.join(', ')}.`);
  const { curveCost } = await import('./curve-cost.js');
  const { machineInfo } = await import('./machine.js');
  const report: Record<string, unknown> = { machine: machineInfo(), date: new Date().toISOString() };
  console.log(`machine: ${JSON.stringify(report.machine)}`);
  if (name === 'allreduce' || name === 'all') await allreduce(workers, reps, planes, rounds ?? 1, report);
  if (name === 'scaling' || name === 'all') await scaling(steps ?? 12, rounds ?? 3, report);
  if (name === 'overhead' || name === 'all') await overheadBench(overheadSteps, overheadWarmup, transports, impls, rounds ?? 1, report);
  if (name === 'curve') await curveCost(steps ?? 12, rounds ?? 3, report);
  const json = JSON.stringify(report);
  console.log(json);
  if (values.json) await writeFile(values.json, `${json}\n`);
  process.exit(0);
}

void main();

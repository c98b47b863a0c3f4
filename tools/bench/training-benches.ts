// The training-throughput benches of run.ts, each a function of the settings run.ts read from
// its flags: dgm's Trainer beside the PyTorch anchors (dcgan, mlp-gan, vae), the per-kernel
// profile of a step, and the wasm kernels stock against dgm's. Apart from run.ts so that its
// flags are read before this module loads TensorFlow.js.
import { compareKernels } from './kernel-compare.js';
import { instrumentKernels } from './kernel-profile.js';
import type { KernelTime } from './kernel-profile.js';
import { BENCH_MODELS } from './bench-models.js';
import { dcganSideBySide } from './side-by-side.js';
import { fmt, median } from './stats.js';
import { checkAnchor, DCGAN_ANCHOR, DENSE_ANCHOR, PYTHON, runDenseAnchor } from './torch-anchor.js';
import { TrainerBench } from './trainer-throughput.js';

export interface Settings {
  rounds: number;
  steps: number;
  batch: number;
  warmup: number;
  model: string;
}

export async function benchDcgan(s: Settings, report: Record<string, unknown>): Promise<void> {
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

export async function benchDense(name: 'mlp-gan' | 'vae', s: Settings, report: Record<string, unknown>): Promise<void> {
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

export async function benchProfile(backend: string, s: Settings, report: Record<string, unknown>): Promise<void> {
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

export async function benchKernels(s: Settings, report: Record<string, unknown>): Promise<void> {
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

// The PyTorch side of the distributed benchmarks: the project's reference scripts in tools/bench/torch/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PYTHON } from './torch-anchor.js';
import type { AllReduceRow } from './allreduce-runtime.js';
import type { OverheadRecord } from './allreduce-training.js';
import { ALLREDUCE_ANCHOR, DCGAN_ANCHOR as DCGAN_DDP_ANCHOR, OVERHEAD_ANCHOR } from './torch-scripts.js';

function runJsonLines(args: string[], env: Record<string, string>, timeoutMs: number): Promise<Record<string, unknown>[]> {
  if (!existsSync(PYTHON)) return Promise.reject(new Error(`${PYTHON} not found: install Debian's python3-torch (or set DGM_BENCH_PYTHON).`));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${err.slice(-500)}`));
      resolve(out.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>));
    });
  });
}

/** `python3 ddp_allreduce.py n` with the same sizes and repetitions. */
export async function glooAllReduce(n: number, sizes: number[], reps: number): Promise<AllReduceRow[]> {
  const lines = await runJsonLines([ALLREDUCE_ANCHOR, String(n)], { SIZES: sizes.join(','), REPS: String(reps) }, 30 * 60_000);
  return lines.map((l) => ({ impl: 'torch-gloo', n, bytes: l.bytes as number, sec: l.sec as number, algbw_GBs: l.algbw_GBs as number, busbw_GBs: l.busbw_GBs as number }));
}

/** `python3 ddp_dcgan.py n <batch per rank> <steps>`: images/s of PyTorch DDP. */
export async function ddpDcgan(n: number, batchPerRank: number, steps: number): Promise<number> {
  const lines = await runJsonLines([DCGAN_DDP_ANCHOR, String(n), String(batchPerRank), String(steps)], {}, 30 * 60_000);
  const result = lines.find((l) => typeof l.images_per_s === 'number');
  if (!result) throw new Error('ddp_dcgan.py printed no result');
  return result.images_per_s as number;
}

export interface DdpOverheadRun {
  workers: number;
  /** One per step, in dgm's StepRecord fields (ddp_overhead.py says how each is taken). */
  records: OverheadRecord[];
  /** Each sub-model's parameter shapes, in dgm's orientation and order (a dense kernel [in, out]). */
  paramShapes: { d: number[][]; g: number[][] };
  /** The most buckets (all-reduces per backward) DDP made of a sub-model's gradient on any rank. */
  allreducesPerStep: { d: number; g: number };
  /** Every rank ended with the same bits of every parameter. */
  replicasEqual: boolean;
}

export interface DdpOverheadOptions {
  latentDim: number;
  hidden: number;
  globalBatch: number;
  /** Raw uint8 28x28 images (784 bytes each) to train on. */
  images: string;
}

/** `python3 ddp_overhead.py n steps ...`: dgm's overhead model trained with PyTorch DDP over gloo, every step's timings. */
export async function ddpOverhead(n: number, steps: number, o: DdpOverheadOptions): Promise<DdpOverheadRun> {
  const args = [OVERHEAD_ANCHOR, String(n), String(steps), '--latent', String(o.latentDim), '--hidden', String(o.hidden), '--global-batch', String(o.globalBatch), '--images', o.images];
  const lines = await runJsonLines(args, {}, 10 * 60_000);
  const result = lines.find((l) => Array.isArray(l.records));
  if (!result) throw new Error('ddp_overhead.py printed no records');
  return {
    workers: n,
    records: result.records as OverheadRecord[],
    paramShapes: result.param_shapes as DdpOverheadRun['paramShapes'],
    allreducesPerStep: result.allreduces_per_step as DdpOverheadRun['allreducesPerStep'],
    replicasEqual: result.replicas_equal === true,
  };
}

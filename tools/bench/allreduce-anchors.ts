// The PyTorch side of the distributed benchmarks: the project's reference scripts in tools/bench/torch/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PYTHON } from './torch-anchor.js';
import type { AllReduceRow } from './allreduce-runtime.js';

import { ALLREDUCE_ANCHOR, DCGAN_ANCHOR as DCGAN_DDP_ANCHOR } from './torch-scripts.js';

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

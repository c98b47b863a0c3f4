import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DCGAN_ANCHOR, DENSE_ANCHOR, PYTHON } from './torch-scripts.js';

export { DCGAN_ANCHOR, DENSE_ANCHOR, PYTHON };

export interface AnchorResult {
  imagesPerSec: number;
  secPerStep: number;
  /** Wall time of the whole python process, startup included. */
  processSeconds: number;
  /** CPU time (user + system) of the anchor's worker process, startup and warm-up included. */
  workerCpuSeconds: number;
}

/**
 * Runs the anchor file unchanged as __main__ (exactly as `python3 ddp_dcgan.py ...` would), then
 * prints the CPU time its worker process used: the anchor only reports wall time, which on a
 * shared machine measures the scheduler as much as PyTorch.
 */
const CPU_ACCOUNTING_WRAPPER = [
  'import json, resource, runpy, sys',
  'anchor = sys.argv[1]; sys.argv = sys.argv[1:]',
  "runpy.run_path(anchor, run_name='__main__')",
  'c = resource.getrusage(resource.RUSAGE_CHILDREN)',
  'print(json.dumps({"worker_cpu_s": c.ru_utime + c.ru_stime}), flush=True)',
].join('\n');

/** Throws a clear error when the PyTorch anchor cannot run here. */
export function checkAnchor(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install Debian's python3-torch (or set DGM_BENCH_PYTHON).`);
  if (!existsSync(DCGAN_ANCHOR)) throw new Error(`the PyTorch anchor ${DCGAN_ANCHOR} is missing (set DGM_BENCH_ANCHOR).`);
  if (!existsSync(DENSE_ANCHOR)) throw new Error(`${DENSE_ANCHOR} is missing: run the benchmarks from a checkout of the repository.`);
}

/**
 * Runs the anchor as `python3 ddp_dcgan.py 1 <batch> <steps>` would (one process, one thread, DDP
 * over gloo; the anchor's own timer excludes startup and its 3 warm-up steps) and parses its JSON
 * line, plus the worker's CPU time.
 */
export function runDcganAnchor(batch: number, steps: number, timeoutMs = 30 * 60_000): Promise<AnchorResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const args = ['-c', CPU_ACCOUNTING_WRAPPER, DCGAN_ANCHOR, '1', String(batch), String(steps)];
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the PyTorch anchor did not finish within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.trim().startsWith('{'));
      const result = lines.find((l) => l.includes('images_per_s'));
      const cpu = lines.find((l) => l.includes('worker_cpu_s'));
      if (code !== 0 || result === undefined || cpu === undefined) {
        reject(new Error(`the PyTorch anchor exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const parsed = JSON.parse(result) as { images_per_s: number; sec_per_step: number };
      resolve({
        imagesPerSec: parsed.images_per_s,
        secPerStep: parsed.sec_per_step,
        processSeconds: (performance.now() - started) / 1000,
        workerCpuSeconds: (JSON.parse(cpu) as { worker_cpu_s: number }).worker_cpu_s,
      });
    });
  });
}

export interface DenseAnchorResult {
  imagesPerSec: number;
  /** Images per CPU second of the timed steps (time.process_time in the script). */
  cpuImagesPerSec: number;
}

/** Runs the PyTorch counterpart of dgm's mlp-gan or vae for `steps` steps (after 3 warm-up steps). */
export function runDenseAnchor(model: 'mlp-gan' | 'vae', batch: number, steps: number, timeoutMs = 10 * 60_000): Promise<DenseAnchorResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DENSE_ANCHOR, model, String(batch), String(steps)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the PyTorch ${model} counterpart did not finish within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.includes('images_per_s'));
      if (code !== 0 || line === undefined) {
        reject(new Error(`the PyTorch ${model} counterpart exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const parsed = JSON.parse(line) as { images_per_s: number; cpu_images_per_s: number };
      resolve({ imagesPerSec: parsed.images_per_s, cpuImagesPerSec: parsed.cpu_images_per_s });
    });
  });
}

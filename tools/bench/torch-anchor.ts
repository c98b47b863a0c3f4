import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = process.env.DGM_BENCH_PYTHON ?? '/usr/bin/python3';
export const DCGAN_ANCHOR = process.env.DGM_BENCH_ANCHOR ?? '/work/shared/anchors/ddp_dcgan.py';

export interface AnchorResult {
  imagesPerSec: number;
  secPerStep: number;
  /** Wall time of the whole python process, startup included. */
  processSeconds: number;
}

/** Throws a clear error when the PyTorch anchor cannot run here. */
export function checkAnchor(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install Debian's python3-torch (or set DGM_BENCH_PYTHON).`);
  if (!existsSync(DCGAN_ANCHOR)) throw new Error(`the PyTorch anchor ${DCGAN_ANCHOR} is missing (set DGM_BENCH_ANCHOR).`);
}

/**
 * Runs `python3 ddp_dcgan.py 1 <batch> <steps>` (one process, one thread, DDP over gloo: the
 * anchor's own timer excludes startup and its 3 warm-up steps) and parses its JSON line.
 */
export function runDcganAnchor(batch: number, steps: number, timeoutMs = 30 * 60_000): Promise<AnchorResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(PYTHON, [DCGAN_ANCHOR, '1', String(batch), String(steps)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (code !== 0 || line === undefined) {
        reject(new Error(`the PyTorch anchor exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const parsed = JSON.parse(line) as { images_per_s: number; sec_per_step: number };
      resolve({ imagesPerSec: parsed.images_per_s, secPerStep: parsed.sec_per_step, processSeconds: (performance.now() - started) / 1000 });
    });
  });
}

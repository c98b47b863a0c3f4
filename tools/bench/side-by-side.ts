import { median } from './stats.js';
import { runDcganAnchor } from './torch-anchor.js';
import type { TrainerBench } from './trainer-throughput.js';

export interface SideBySideRound {
  oursImagesPerSec: number;
  /** Images per second of process CPU time. */
  oursCpuImagesPerSec: number;
  torchImagesPerSec: number;
  /** Images per second of the worker's CPU time, its startup and warm-up taken out (see below). */
  torchCpuImagesPerSec: number;
}

export interface SideBySideResult {
  rounds: SideBySideRound[];
  oursMedian: number;
  oursCpuMedian: number;
  torchMedian: number;
  torchCpuMedian: number;
  /** median(ours) / median(torch), wall clock: above 1 means dgm on wasm trains faster. */
  ratio: number;
  /** Median of the per-round wall-clock ratios (each pair measured back to back). */
  pairedRatio: number;
  /** median(ours per CPU s) / median(torch per CPU s): the same comparison without the scheduler. */
  cpuRatio: number;
  /** CPU seconds of a 1-step anchor run: startup, 3 warm-up steps and 1 step. */
  torchFixedCpuSeconds: number;
}

/**
 * Alternates dgm (in this process) and the PyTorch anchor (a child process) `rounds` times with
 * the same batch and step count, so both see the same (shared, noisy) machine. A 1-step anchor
 * run first measures the anchor's fixed CPU cost (interpreter, torch import, warm-up), so each
 * round's per-step CPU time is (cpu(steps) - cpu(1)) / (steps - 1).
 */
export async function dcganSideBySide(
  bench: TrainerBench,
  rounds: number,
  steps: number,
  onRound: (round: SideBySideRound, index: number) => void,
): Promise<SideBySideResult> {
  if (steps < 2) throw new Error('the dcgan comparison needs --steps 2 or more (one step is the CPU-time baseline).');
  const fixed = await runDcganAnchor(bench.batch, 1);
  const results: SideBySideRound[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first so a load change mid-round does not always hit the same side.
    let ours;
    let torch;
    if (r % 2 === 0) {
      ours = await bench.measure(steps);
      torch = await runDcganAnchor(bench.batch, steps);
    } else {
      torch = await runDcganAnchor(bench.batch, steps);
      ours = await bench.measure(steps);
    }
    const torchCpuPerStep = (torch.workerCpuSeconds - fixed.workerCpuSeconds) / (steps - 1);
    const round = {
      oursImagesPerSec: ours.imagesPerSec,
      oursCpuImagesPerSec: (ours.steps * ours.batch) / ours.cpuSeconds,
      torchImagesPerSec: torch.imagesPerSec,
      torchCpuImagesPerSec: bench.batch / torchCpuPerStep,
    };
    results.push(round);
    onRound(round, r);
  }
  const oursMedian = median(results.map((r) => r.oursImagesPerSec));
  const torchMedian = median(results.map((r) => r.torchImagesPerSec));
  const oursCpuMedian = median(results.map((r) => r.oursCpuImagesPerSec));
  const torchCpuMedian = median(results.map((r) => r.torchCpuImagesPerSec));
  return {
    rounds: results,
    oursMedian,
    oursCpuMedian,
    torchMedian,
    torchCpuMedian,
    ratio: oursMedian / torchMedian,
    pairedRatio: median(results.map((r) => r.oursImagesPerSec / r.torchImagesPerSec)),
    cpuRatio: oursCpuMedian / torchCpuMedian,
    torchFixedCpuSeconds: fixed.workerCpuSeconds,
  };
}

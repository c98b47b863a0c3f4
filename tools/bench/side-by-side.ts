import { median } from './stats.js';
import { runDcganAnchor } from './torch-anchor.js';
import type { TrainerBench } from './trainer-throughput.js';

export interface SideBySideRound {
  oursImagesPerSec: number;
  oursCpuImagesPerSec: number;
  torchImagesPerSec: number;
}

export interface SideBySideResult {
  rounds: SideBySideRound[];
  oursMedian: number;
  oursCpuMedian: number;
  torchMedian: number;
  /** median(ours) / median(torch): above 1 means dgm on wasm trains faster. */
  ratio: number;
  /** Median of the per-round ratios (each pair measured back to back, under the same load). */
  pairedRatio: number;
}

/**
 * Alternates dgm (in this process) and the PyTorch anchor (a child process) `rounds` times with
 * the same batch and step count, so both see the same (shared, noisy) machine.
 */
export async function dcganSideBySide(
  bench: TrainerBench,
  rounds: number,
  steps: number,
  onRound: (round: SideBySideRound, index: number) => void,
): Promise<SideBySideResult> {
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
    const round = {
      oursImagesPerSec: ours.imagesPerSec,
      oursCpuImagesPerSec: (ours.steps * ours.batch) / ours.cpuSeconds,
      torchImagesPerSec: torch.imagesPerSec,
    };
    results.push(round);
    onRound(round, r);
  }
  const oursMedian = median(results.map((r) => r.oursImagesPerSec));
  const torchMedian = median(results.map((r) => r.torchImagesPerSec));
  return {
    rounds: results,
    oursMedian,
    oursCpuMedian: median(results.map((r) => r.oursCpuImagesPerSec)),
    torchMedian,
    ratio: oursMedian / torchMedian,
    pairedRatio: median(results.map((r) => r.oursImagesPerSec / r.torchImagesPerSec)),
  };
}

// What CURVE costs a training run: DCGAN (the scaling benchmark's model) with 2 workers on the
// star plane over tcp on loopback — every gradient crosses the wire twice per phase — with and
// without CURVE, alternated round by round so both see the same (shared, noisy) machine.
import type { RunConfig } from '@dgm/protocol';
import { imagesPerSec, stepOverhead, trainDistributed } from './allreduce-training.js';
import { median } from './stats.js';

const f = (v: number, d = 1) => v.toFixed(d);

export async function curveCost(steps: number, rounds: number, report: Record<string, unknown>): Promise<void> {
  const config: RunConfig = { model: 'dcgan', modelOptions: { normalization: 'none' }, trainer: {}, data: 'mnist', seed: 1, globalBatch: 128, steps };
  const warmup = 2;
  const plain: number[] = [];
  const curve: number[] = [];
  const plainComm: number[] = [];
  const curveComm: number[] = [];
  console.log(`\nDCGAN, 2 workers, star plane over tcp (loopback), global batch 128, ${steps - warmup} measured steps, ${rounds} rounds`);
  console.log('  round   plain img/s   CURVE img/s   ratio   plain comm ms   CURVE comm ms');
  for (let r = 0; r < rounds; r++) {
    const a = await trainDistributed(config, 2, 'tcp', { dataPlane: 'star' });
    const b = await trainDistributed(config, 2, 'tcp', { dataPlane: 'star', curve: true });
    plain.push(imagesPerSec(a, warmup));
    curve.push(imagesPerSec(b, warmup));
    plainComm.push(stepOverhead(a, warmup).overheadMs);
    curveComm.push(stepOverhead(b, warmup).overheadMs);
    console.log(`  ${String(r + 1).padEnd(6)}${f(plain[r]!).padStart(12)}${f(curve[r]!).padStart(14)}${f(curve[r]! / plain[r]!, 3).padStart(8)}${f(plainComm[r]!).padStart(16)}${f(curveComm[r]!).padStart(16)}`);
  }
  const [p, c, pc, cc] = [median(plain), median(curve), median(plainComm), median(curveComm)];
  console.log(`  median${f(p).padStart(12)}${f(c).padStart(14)}${f(c / p, 3).padStart(8)}${f(pc).padStart(16)}${f(cc).padStart(16)}`);
  report.curve = { globalBatch: 128, workers: 2, plane: 'star', transport: 'tcp', steps: steps - warmup, rounds, plain: p, curve: c, ratio: c / p, commMs: { plain: pc, curve: cc }, perRound: { plain, curve, plainComm, curveComm } };
}

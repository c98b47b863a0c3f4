// What the poisoned-step check costs: core's allFinite over each phase's flat gradient of
// --model (a worker runs it twice a phase: its own gradient before the reduce, the average
// after), against the same model's Trainer step, in alternating rounds on one machine.
import { allFinite, createModel, Trainer } from '@dgm/core';
import { fmt, median } from './stats.js';
import { BENCH_MODELS } from './bench-models.js';
import { TrainerBench } from './trainer-throughput.js';

/** Median ms of one allFinite pass over `size` values (best of many passes per round, so the timer's grain does not count). */
function checkMs(values: Float32Array): number {
  const passes = 50;
  let ok = true;
  const start = performance.now();
  for (let i = 0; i < passes; i++) ok = allFinite(values) && ok;
  if (!ok) throw new Error('the benchmark gradient must be finite');
  return (performance.now() - start) / passes;
}

export async function benchFiniteCheck(s: { rounds: number; steps: number; batch: number; warmup: number; model: string }, report: Record<string, unknown>): Promise<void> {
  const spec = BENCH_MODELS[s.model]!;
  const model = createModel(spec.model, spec.options);
  const trainer = new Trainer(model, spec.trainer);
  const sizes = Object.fromEntries(Object.entries(trainer.manifests).map(([phase, m]) => [phase, m!.totalSize]));
  trainer.dispose();
  model.dispose();
  // Random finite values (a gradient's magnitude does not change the loop's cost).
  const arrays = Object.entries(sizes).map(([phase, n]) => [phase, Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e-3)] as const);
  const bench = new TrainerBench(s.model, s.batch);
  try {
    await bench.warmUp(s.warmup);
    console.log(`\n${s.model} (${spec.note}), batch ${s.batch}: gradient sizes ${Object.entries(sizes).map(([p, n]) => `${p} ${n}`).join(', ')}`);
    console.log('  round   step ms   checks ms per step (2 per phase)   share');
    const rounds: Array<{ stepMs: number; checksMs: number }> = [];
    for (let r = 0; r < s.rounds; r++) {
      const sample = await bench.measure(s.steps);
      const stepMs = (1000 * sample.seconds) / sample.steps;
      const checksMs = arrays.reduce((sum, [, a]) => sum + 2 * checkMs(a), 0);
      rounds.push({ stepMs, checksMs });
      console.log(`  ${String(r + 1).padEnd(6)} ${fmt(stepMs).padStart(8)} ${fmt(checksMs, 3).padStart(12)} ${fmt((100 * checksMs) / stepMs, 3).padStart(28)} %`);
    }
    const result = { sizes, stepMs: median(rounds.map((x) => x.stepMs)), checksMs: median(rounds.map((x) => x.checksMs)), share: median(rounds.map((x) => x.checksMs / x.stepMs)) };
    console.log(`  median ${fmt(result.stepMs).padStart(8)} ${fmt(result.checksMs, 3).padStart(12)} ${fmt(100 * result.share, 3).padStart(28)} %`);
    report.finiteCheck = { model: s.model, batch: s.batch, steps: s.steps, rounds, ...result };
  } finally {
    bench.dispose();
  }
}

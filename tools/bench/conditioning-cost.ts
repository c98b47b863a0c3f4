// The step-time cost of model option `conditional`: the same model unconditional and
// conditional (10 classes), each a warmed-up Trainer in this process, measured in alternating
// rounds (the order flips every round) so that load changes on a shared machine hit both alike.
import { fmt, median } from './stats.js';
import { BENCH_MODELS } from './bench-models.js';
import { TrainerBench, type ThroughputSample } from './trainer-throughput.js';

export interface ConditioningRound {
  plainMsPerStep: number;
  conditionalMsPerStep: number;
  plainCpuMsPerStep: number;
  conditionalCpuMsPerStep: number;
}

/** Alternates `rounds` measurements of `steps` steps of `model` without and with conditioning; prints and reports medians. */
export async function benchConditioning(
  s: { rounds: number; steps: number; batch: number; warmup: number; model: string },
  report: Record<string, unknown>,
): Promise<void> {
  const plain = new TrainerBench(s.model, s.batch);
  const conditional = new TrainerBench(s.model, s.batch, { conditional: true, classes: 10 });
  try {
    await plain.warmUp(s.warmup);
    await conditional.warmUp(s.warmup);
    console.log(`\n${s.model} (${BENCH_MODELS[s.model]!.note}), batch ${s.batch}: ${s.steps} steps per measurement, ${s.rounds} rounds, order alternating`);
    console.log('                 wall ms per step                    CPU ms per step');
    console.log('  round    plain  conditional  ratio       plain  conditional  ratio');
    const perStep = (x: ThroughputSample) => ({ wall: (1000 * x.seconds) / x.steps, cpu: (1000 * x.cpuSeconds) / x.steps });
    const row = (label: string, a: number, b: number, c: number, d: number) =>
      `  ${label.padEnd(6)} ${fmt(a).padStart(7)} ${fmt(b).padStart(12)} ${fmt(b / a, 3).padStart(6)} ${fmt(c).padStart(11)} ${fmt(d).padStart(12)} ${fmt(d / c, 3).padStart(6)}`;
    const rounds: ConditioningRound[] = [];
    for (let i = 0; i < s.rounds; i++) {
      const order = i % 2 === 0 ? [plain, conditional] : [conditional, plain];
      const samples = new Map<TrainerBench, ThroughputSample>();
      for (const bench of order) samples.set(bench, await bench.measure(s.steps));
      const [p, c] = [perStep(samples.get(plain)!), perStep(samples.get(conditional)!)];
      rounds.push({ plainMsPerStep: p.wall, conditionalMsPerStep: c.wall, plainCpuMsPerStep: p.cpu, conditionalCpuMsPerStep: c.cpu });
      console.log(row(String(i + 1), p.wall, c.wall, p.cpu, c.cpu));
    }
    const m = (f: (r: ConditioningRound) => number) => median(rounds.map(f));
    const result = {
      plainMsPerStep: m((r) => r.plainMsPerStep),
      conditionalMsPerStep: m((r) => r.conditionalMsPerStep),
      plainCpuMsPerStep: m((r) => r.plainCpuMsPerStep),
      conditionalCpuMsPerStep: m((r) => r.conditionalCpuMsPerStep),
      pairedRatio: m((r) => r.conditionalMsPerStep / r.plainMsPerStep),
      pairedCpuRatio: m((r) => r.conditionalCpuMsPerStep / r.plainCpuMsPerStep),
    };
    console.log(row('median', result.plainMsPerStep, result.conditionalMsPerStep, result.plainCpuMsPerStep, result.conditionalCpuMsPerStep));
    console.log(`  conditional/plain, median of paired rounds: wall clock ${fmt(result.pairedRatio, 3)}, CPU ${fmt(result.pairedCpuRatio, 3)}`);
    report.conditional = { model: s.model, batch: s.batch, steps: s.steps, rounds, ...result };
  } finally {
    plain.dispose();
    conditional.dispose();
  }
}

// One step as the run loop sees it: the ranks' slices from the epoch sampler, the exchange, and
// the metrics line that sums it up (sample-weighted losses, throughput, compute and wait times).
import { learningRateAt, type Trainer } from '@dgm/core';
import type { EpochSampler } from '@dgm/core/node';
import type { StepRecord } from './options.js';
import type { RunServices } from './run-services.js';
import type { SkippedSteps } from './skipped-steps.js';
import type { StepExchange } from './step-exchange.js';

/** Runs step `step` on every member; resolves with its metrics line (the learning rate from the coordinator's own Trainer: the same settings and schedule as every worker's). */
export async function runStep(s: RunServices, exchange: StepExchange, sampler: EpochSampler, step: number, trainer: Trainer, skips: SkippedSteps): Promise<StepRecord> {
  const started = performance.now();
  const cursor = sampler.cursorAt(step);
  const members = s.membership.members;
  const slices = members.map((m) => sampler.slice(cursor.epoch, cursor.step, m.rank, members.length));
  const outcome = await s.race(exchange.run(step, cursor.epoch, slices));
  const stepMs = performance.now() - started;
  const samples = outcome.done.reduce((a, d) => a + d.sampleCount, 0);
  const losses: Record<string, number> = {};
  for (const d of outcome.done) for (const [k, v] of Object.entries(d.losses)) losses[k] = (losses[k] ?? 0) + (v * d.sampleCount) / samples;
  const computeMs = Math.max(...outcome.done.map((d) => d.computeMs));
  return {
    step: step + 1,
    epoch: cursor.epoch,
    time: new Date().toISOString(),
    losses,
    samples,
    samplesPerSec: samples / (stepMs / 1000),
    stepMs,
    computeMs,
    commMs: Math.max(0, stepMs - computeMs),
    reduceMs: Math.max(...outcome.done.map((d) => d.reduceMs)),
    workers: members.length,
    lr: learningRateAt(trainer.settings.lr, trainer.settings.lrSchedule, step),
    // outcome.done is in rank order (the exchange answers in the members' order).
    workerComputeMs: outcome.done.map((d) => d.computeMs),
    ...skips.read(step, outcome.done, members),
  };
}

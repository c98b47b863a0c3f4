// One step as the run loop sees it: the ranks' slices from the epoch sampler, the exchange, and
// the metrics line that sums it up (sample-weighted losses, throughput, compute and wait times).
import { learningRateAt, type Trainer } from '@dgm/core';
import type { EpochSampler } from '@dgm/core/node';
import type { StepRecord } from './options.js';
import type { RunServices } from './run-services.js';
import type { SkippedSteps } from './skipped-steps.js';
import type { StepExchange } from './step-exchange.js';

/** What the run does between steps: every K steps a replica check, a checkpoint, a sample grid. */
export interface BetweenSteps {
  steps: number;
  checkEvery: number;
  checkpointEvery: number;
  sampleEvery: number;
}

/**
 * Whether step `next` (0-based) follows the one before it with nothing in between, so its STEP
 * may go out before the one before it finished: not past the end, and no check, checkpoint or
 * sample grid due after `next` steps (those need the replicas to stand still at that step).
 */
export function followsDirectly(o: BetweenSteps, next: number): boolean {
  const due = (every: number) => every > 0 && next % every === 0;
  return next < o.steps && !due(o.checkEvery) && !due(o.checkpointEvery) && !due(o.sampleEvery);
}

/**
 * Sends STEP `step` with each member's slice of the step's window: by position among the members
 * (ranks are identities, and an elastic run's ranks have gaps), from phase `from` on if given.
 */
function startStep(s: RunServices, exchange: StepExchange, sampler: EpochSampler, step: number, from?: string): Promise<void> {
  const cursor = sampler.cursorAt(step);
  const members = s.membership.members;
  return exchange.start(step, cursor.epoch, members.map((_, i) => sampler.slice(cursor.epoch, cursor.step, i, members.length)), from);
}

/** Step `step`'s window: positions [start, end) in its epoch's permutation (the sampler drops an epoch's short last window). */
function windowOf(sampler: EpochSampler, step: number): [number, number] {
  const start = sampler.cursorAt(step).step * sampler.globalBatch;
  return [start, start + sampler.globalBatch];
}

/**
 * Runs step `step` on every member (its STEP may have gone out already, ahead); with `sendNext`,
 * STEP step+1 goes out before step's DONEs are awaited, so workers go on without waiting for the
 * coordinator. Resolves with step's metrics line (the learning rate from the coordinator's own
 * Trainer: the same settings and schedule as every worker's). Its stepMs runs from this call,
 * i.e. from the end of the previous step: with steps sent ahead, the time one step adds to the run.
 */
export async function runStep(s: RunServices, exchange: StepExchange, sampler: EpochSampler, step: number, trainer: Trainer, skips: SkippedSteps, sendNext: boolean, from?: string): Promise<StepRecord> {
  const started = performance.now();
  const cursor = sampler.cursorAt(step);
  const epoch = cursor.epoch;
  const members = s.membership.members;
  if (!exchange.started(step)) await s.race(startStep(s, exchange, sampler, step, from));
  if (sendNext) await s.race(startStep(s, exchange, sampler, step + 1));
  const outcome = await s.race(exchange.wait(step));
  const stepMs = performance.now() - started;
  const samples = outcome.done.reduce((a, d) => a + d.sampleCount, 0);
  const losses: Record<string, number> = {};
  for (const d of outcome.done) for (const [k, v] of Object.entries(d.losses)) losses[k] = (losses[k] ?? 0) + (v * d.sampleCount) / samples;
  const computeMs = Math.max(...outcome.done.map((d) => d.computeMs));
  return {
    step: step + 1,
    epoch,
    time: new Date().toISOString(),
    losses,
    samples,
    samplesPerSec: samples / (stepMs / 1000),
    stepMs,
    computeMs,
    commMs: Math.max(0, stepMs - computeMs),
    reduceMs: Math.max(...outcome.done.map((d) => d.reduceMs)),
    workers: members.length,
    window: windowOf(sampler, step),
    lr: learningRateAt(trainer.settings.lr, trainer.settings.lrSchedule, step),
    // outcome.done is in rank order (the exchange answers in the members' order).
    workerComputeMs: outcome.done.map((d) => d.computeMs),
    ...skips.read(step, outcome.done, members),
  };
}

/**
 * The line of a step a replica finished before the others were brought level after a loss (the
 * shared plane's workers can finish a step the coordinator never saw whole): its losses are not
 * known here, so it says `recovered` and carries none.
 */
export function recoveredStep(step: number, sampler: EpochSampler, trainer: Trainer, workers: number): StepRecord {
  return {
    step: step + 1,
    epoch: sampler.cursorAt(step).epoch,
    time: new Date().toISOString(),
    losses: {},
    samples: 0,
    samplesPerSec: 0,
    stepMs: 0,
    computeMs: 0,
    commMs: 0,
    reduceMs: 0,
    workers,
    window: windowOf(sampler, step),
    lr: learningRateAt(trainer.settings.lr, trainer.settings.lrSchedule, step),
    workerComputeMs: [],
    recovered: true,
  };
}

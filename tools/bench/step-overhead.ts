// The `overhead` bench: what distribution costs per step for a tiny (latency-bound) model, with 1
// and 2 workers. dgm's runtime (a real coordinator and `dgm worker` processes, per transport) and,
// with `--impl ddp`, PyTorch DDP over gloo training the same model on the same data
// (tools/bench/torch/ddp_overhead.py), alternated round by round so every implementation sees the
// same (noisy) load; both reduced by the same code (`stepOverhead`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ArrayImageSet, createModel, loadDataset } from '@dgm/core/node';
import type { RunConfig } from '@dgm/protocol';
import { ddpOverhead, type DdpOverheadRun } from './allreduce-anchors.js';
import { stepOverhead, trainDistributed, type StepOverhead } from './allreduce-training.js';
import { median } from './stats.js';

export const OVERHEAD_IMPLS = ['dgm', 'ddp'] as const;
export type OverheadImpl = (typeof OVERHEAD_IMPLS)[number];

const LATENT_DIM = 4;
const HIDDEN = 16;
const GLOBAL_BATCH = 8;

export interface OverheadRow extends StepOverhead {
  impl: 'dgm' | 'torch-ddp-gloo';
  /** dgm's coordinator socket (ipc, tcp); DDP's gloo always goes over loopback TCP. */
  transport: 'ipc' | 'tcp' | 'gloo-tcp';
  workers: number;
  /** 1-minute load average just before the run (of a round row), or each round's (of a median row). */
  load: number | number[];
}

export interface OverheadReport extends OverheadRow {
  /** Each round's figures; the row's own are their medians, field by field. */
  rounds: OverheadRow[];
}

function runConfig(steps: number): RunConfig {
  return { model: 'mlp-gan', modelOptions: { latentDim: LATENT_DIM, hidden: [HIDDEN] }, trainer: {}, data: 'mnist', seed: 1, globalBatch: GLOBAL_BATCH, steps };
}

const f = (v: number) => v.toFixed(2);
const HEADER = '  impl            transport  workers   step ms   compute ms   overhead ms   imbalance ms   outside ms   load';
function line(prefix: string, r: OverheadRow): string {
  const load = Array.isArray(r.load) ? `${f(Math.min(...r.load))}-${f(Math.max(...r.load))}` : f(r.load);
  return `${prefix}${r.impl.padEnd(16)}${r.transport.padEnd(11)}${String(r.workers).padStart(7)}  ${f(r.stepMs).padStart(8)}  ${f(r.computeMs).padStart(11)}  ${f(r.overheadMs).padStart(12)}  ${f(r.imbalanceMs).padStart(13)}  ${f(r.outsideMs).padStart(11)}   ${load}`;
}

/**
 * Runs the bench: per round, dgm on each transport with 1 then 2 workers, then DDP with 1 then 2
 * processes (the implementations `impls` names); prints every run as it ends, then the medians
 * over rounds, and puts the median rows (each with its rounds) into `report.overhead`.
 */
export async function overheadBench(steps: number, warmup: number, transports: ('tcp' | 'ipc')[], impls: OverheadImpl[], rounds: number, report: Record<string, unknown>): Promise<void> {
  const config = runConfig(steps);
  const data = impls.includes('ddp') ? await imagesFile(config.data) : null;
  const byConfig = new Map<string, OverheadRow[]>();
  const keep = (row: OverheadRow) => {
    const key = `${row.impl}/${row.transport}/${row.workers}`;
    byConfig.set(key, [...(byConfig.get(key) ?? []), row]);
    console.log(line(`  ${String(byConfig.get(key)!.length).padEnd(6)}`, row));
  };
  console.log(`\nper-step overhead, mlp-gan (latent ${LATENT_DIM}, hidden ${HIDDEN}, 28x28), global batch ${GLOBAL_BATCH}, median of ${steps - warmup} steps after ${warmup}, ${rounds} round(s)`);
  console.log(`  round${HEADER.slice(1)}`);
  try {
    for (let r = 0; r < rounds; r++) {
      if (impls.includes('dgm')) {
        for (const t of transports) {
          for (const n of [1, 2]) {
            const load = os.loadavg()[0]!;
            keep({ impl: 'dgm', transport: t, workers: n, load, ...stepOverhead(await trainDistributed(config, n, t), warmup) });
          }
        }
      }
      if (data !== null) {
        for (const n of [1, 2]) {
          const load = os.loadavg()[0]!;
          const run = await ddpOverhead(n, steps, { latentDim: LATENT_DIM, hidden: HIDDEN, globalBatch: GLOBAL_BATCH, images: data.file });
          checkSameModel(run, config.modelOptions);
          keep({ impl: 'torch-ddp-gloo', transport: 'gloo-tcp', workers: n, load, ...stepOverhead(run, warmup) });
        }
      }
    }
  } finally {
    if (data !== null) rmSync(data.dir, { recursive: true, force: true });
  }
  const rows = [...byConfig.values()].map(medianRow);
  console.log(`\nmedian over rounds (field by field)\n${HEADER}`);
  for (const row of rows) console.log(line('', row));
  report.overhead = rows;
}

function medianRow(runs: OverheadRow[]): OverheadReport {
  const of = (key: keyof StepOverhead) => median(runs.map((r) => r[key]));
  const { impl, transport, workers } = runs[0]!;
  return {
    impl, transport, workers,
    stepMs: of('stepMs'), computeMs: of('computeMs'), overheadMs: of('overheadMs'), imbalanceMs: of('imbalanceMs'), outsideMs: of('outsideMs'),
    load: runs.map((r) => r.load as number),
    rounds: runs,
  };
}

/**
 * The images dgm's workers train on (the run's dataset's training split) as one raw uint8 file,
 * 784 bytes an image, for ddp_overhead.py: the same data on both sides.
 */
async function imagesFile(spec: string): Promise<{ dir: string; file: string }> {
  const train = (await loadDataset(spec)).train;
  if (!(train instanceof ArrayImageSet) || !(train.pixels instanceof Uint8Array) || train.rowLength !== 28 * 28) {
    throw new Error(`the overhead bench needs ${spec}'s training images as 28x28 bytes; they are not.`);
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'dgm-bench-overhead-'));
  const file = join(dir, 'train-images.u8');
  writeFileSync(file, train.pixels);
  return { dir, file };
}

/**
 * The DDP figure stands beside dgm's only if it trained the same thing: every parameter of the
 * PyTorch model has the shape of dgm's (same layers, same sizes, in order), DDP kept each phase's
 * gradient in one bucket (one all-reduce a phase, as dgm makes), and it kept the replicas identical.
 */
export function checkSameModel(run: DdpOverheadRun, modelOptions: Record<string, unknown>): void {
  const model = createModel('mlp-gan', modelOptions);
  try {
    const dgm = {
      d: model.discriminator.trainableWeights.map((w) => w.shape as number[]),
      g: model.generator.trainableWeights.map((w) => w.shape as number[]),
    };
    for (const phase of ['d', 'g'] as const) {
      if (JSON.stringify(run.paramShapes[phase]) !== JSON.stringify(dgm[phase])) {
        throw new Error(`ddp_overhead.py's ${phase === 'd' ? 'discriminator' : 'generator'} has parameters ${JSON.stringify(run.paramShapes[phase])}, dgm's ${JSON.stringify(dgm[phase])}: not the same model.`);
      }
      if (run.allreducesPerStep[phase] !== 1) {
        throw new Error(`DDP split phase ${phase}'s gradient into ${run.allreducesPerStep[phase]} buckets (all-reduces a step); dgm makes 1: the figures would not compare.`);
      }
    }
    if (!run.replicasEqual) throw new Error(`DDP's ${run.workers} replicas ended with different parameters.`);
  } finally {
    model.dispose();
  }
}

// What a compressed wire does to a run: the same training (model, seed, global batch 32, 2 hosts ×
// 1 worker on the simulated cluster, hierarchical plane) with fp32 between hosts and with each
// variant, and how far the final weights are from the fp32 run's (max and mean |Δw|, beside the
// largest |w|). Not a timing: the figures go in the README's "Compressed wire" paragraph.
// With --eval, each run's model is also scored by `dgm eval` (test ELBO for a VAE, FID for a GAN),
// and with several --seeds the fp32 runs' spread over seeds says how much of a variant's
// difference is chance.
//
//   node tools/dist/bench/wire-drift.js [--model vae] [--steps 200]
//        [--variants star:fp32,hierarchical:bf16,hierarchical:fp16] [--seeds 3] [--eval]
// The README's quality table:
//   wire-drift.js --model vae --steps 3000 --seeds 3,4 --variants hierarchical:bf16,hierarchical:fp16 --eval
//   wire-drift.js --model dcgan --steps 600 --seeds 3,4 --variants hierarchical:bf16,hierarchical:fp16 --eval
// The README's drift table (the issue: bf16 and fp16 against fp32 on a VAE and a DCGAN after 200 steps):
//   wire-drift.js --model vae --steps 200
//   wire-drift.js --model dcgan --steps 200 --variants hierarchical:bf16,hierarchical:fp16
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_SEED, MODEL_NAMES } from '@dgm/core/names';
import { PLANE_CHOICES, WIRE_CHOICES } from '@dgm/plane/names';
import { workerEnv } from '@dgm/worker/device';
import { SimulatedCluster } from '../cluster/simulated-cluster.js';
import { listOf, oneOf, readBenchArgs, wholeIn, wholeNumber } from './bench-args.js';

const DGM = fileURLToPath(new URL('../../../packages/cli/bin/dgm.js', import.meta.url));
const USAGE = 'node tools/dist/bench/wire-drift.js [--model vae] [--steps 200] [--variants star:fp32,hierarchical:bf16,hierarchical:fp16] [--seeds 3] [--eval]';
const { values } = readBenchArgs({
  usage: USAGE,
  config: { options: { model: { type: 'string', default: 'vae' }, steps: { type: 'string', default: '200' }, variants: { type: 'string', default: 'star:fp32,hierarchical:bf16,hierarchical:fp16' }, seeds: { type: 'string', default: '3' }, eval: { type: 'boolean', default: false } } },
});
const model = oneOf(values.model, '--model', MODEL_NAMES);
// The checkpoint of the last step is read back: its folder is named with 6 digits.
const steps = wholeNumber(values.steps, '--steps', 1, 999_999, 'a whole number of steps from 1 to 999999');
const variants = listOf(values.variants, '--variants', (v) => {
  const [plane, wire, more] = v.split(':');
  return more === undefined && (PLANE_CHOICES as readonly string[]).includes(plane!) && (WIRE_CHOICES as readonly string[]).includes(wire!) ? v : null;
}, `a comma-separated list of plane:wire, plane one of ${PLANE_CHOICES.join(', ')}, wire one of ${WIRE_CHOICES.join(', ')}`);
// The seeds `dgm train --seed` takes.
const seeds = listOf(values.seeds, '--seeds', wholeIn(0, MAX_SEED), `seeds from 0 to ${MAX_SEED}, comma-separated (e.g. 3,4)`);
const work = mkdtempSync(join(tmpdir(), 'dgm-wire-drift-'));
const cluster = SimulatedCluster.up({ hosts: 3, rate: '1gbit', shmSize: '64m' });

function ended(c: ChildProcess): Promise<{ code: number | null; err: string }> {
  let err = '';
  c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => c.on('exit', (code) => resolve({ code, err })));
}

/** One run's final weights and run directory: plane:wire on 2 hosts × 1 worker, the coordinator on host0. */
async function run(variant: string, seed: number): Promise<{ weights: Map<string, Float32Array>; out: string }> {
  const [plane, wire] = variant.split(':') as [string, string];
  const h0 = cluster.hosts[0]!;
  const endpoint = `tcp://${h0.address}:5555`;
  const out = join(work, `${variant.replace(':', '-')}-seed-${seed}`);
  const c = h0.spawn(process.execPath, [DGM, 'coordinator', '--json', '--bind', endpoint, '--workers', '2', '--steps', String(steps), '--out', out, '--insecure',
    '--wire', wire, '--data-plane', plane, '--model', model, '--batch-size', '32', '--backend', 'wasm', '--seed', String(seed)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const workers = [1, 2].map((h) => cluster.hosts[h]!.spawn(process.execPath, [DGM, 'worker', '--connect', endpoint, '--backend', 'wasm', '--insecure'], { stdio: ['ignore', 'ignore', 'pipe'], env: workerEnv(process.env, { gpu: null }) }));
  const results = await Promise.all([ended(c), ...workers.map(ended)]);
  if (results.some((r) => r.code !== 0)) throw new Error(`${variant} failed:\n${results.map((r) => r.err).join('\n')}`);
  const dir = join(out, 'checkpoints', `step-${String(steps).padStart(6, '0')}`);
  const subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const weights = new Map(subs.map((s) => {
    const b = readFileSync(join(dir, s, 'weights.bin'));
    return [s, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))] as const;
  }));
  return { weights, out };
}

/** `dgm eval` of a run's last checkpoint: the test ELBO of a VAE (nats per image, higher is better) or the FID of a GAN (lower is better). */
async function score(out: string): Promise<Record<string, number>> {
  const c = spawn(process.execPath, [DGM, 'eval', out, '--json', '--backend', 'wasm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const { code, err } = await ended(c);
  if (code !== 0) throw new Error(`dgm eval ${out} failed:\n${err}`);
  const line = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  const kept = ['elbo', 'reconstruction', 'kl', 'fid', 'floorFid', 'classifierScore'].filter((k) => typeof line[k] === 'number');
  return Object.fromEntries(kept.map((k) => [k, line[k] as number]));
}

try {
  for (const seed of seeds) {
    const fp32 = await run('hierarchical:fp32', seed);
    let maxWeight = 0;
    for (const x of fp32.weights.values()) for (const v of x) maxWeight = Math.max(maxWeight, Math.abs(v));
    if (values.eval) console.log(JSON.stringify({ model: values.model, steps, seed, variant: 'hierarchical:fp32', ...(await score(fp32.out)) }));
    for (const variant of variants) {
      const w = await run(variant, seed);
      let max = 0;
      let sum = 0;
      let n = 0;
      for (const [sub, x] of fp32.weights) {
        const y = w.weights.get(sub)!;
        for (let i = 0; i < x.length; i++) {
          const d = Math.abs(x[i]! - y[i]!);
          max = Math.max(max, d);
          sum += d;
          n++;
        }
      }
      const scores = values.eval ? await score(w.out) : {};
      console.log(JSON.stringify({ model: values.model, steps, seed, variant, versus: 'hierarchical:fp32', maxAbsDiff: max, meanAbsDiff: sum / n, maxAbsWeight: maxWeight, weights: n, ...scores }));
    }
  }
} finally {
  cluster.down();
  rmSync(work, { recursive: true, force: true });
}

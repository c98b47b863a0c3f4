// DCGAN (the anchor's network: model dcgan, normalization none) at global batch 128 on the
// simulated cluster (tools/cluster): dgm with 2 hosts × 1 worker (the hierarchical plane, a plain
// ring) and with 1 host × 1 worker, next to PyTorch DDP (ddp_dcgan.py, gloo) with one rank on each
// of the same 2 hosts and with 1; images/s of each and the ratio 2 hosts ÷ 1 host. dgm runs as a
// user runs it: `dgm coordinator` on host0, `dgm worker` on each host, the links shaped to --rate.
// Rounds alternate the four runs so each sees the same noisy load; medians over rounds.
//
//   node tools/dist/bench/cluster-dcgan.js [--rate 10gbit] [--steps 12] [--rounds 3] [--json FILE]
//   (the first 2 steps of a dgm run, 3 of a DDP run, are warm-up and not counted)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEnv } from '@dgm/worker/device';
import { parseLinkRate } from '../cluster/link-rate.js';
import type { SimHost } from '../cluster/sim-host.js';
import { SimulatedCluster } from '../cluster/simulated-cluster.js';
import { readBenchArgs, refuse, wholeNumber } from './bench-args.js';
import { ddpDcganOnHosts, ended, rateGBs } from './cluster-anchors.js';
import { median } from './stats.js';

const DGM = fileURLToPath(new URL('../../../packages/cli/bin/dgm.js', import.meta.url));
const GLOBAL_BATCH = 128;
const WARMUP = 2;
const USAGE = 'node tools/dist/bench/cluster-dcgan.js [--rate 10gbit] [--steps 12] [--rounds 3] [--json FILE]';
const TRAIN = ['--model', 'dcgan', '--normalization', 'none', '--batch-size', String(GLOBAL_BATCH), '--backend', 'wasm', '--seed', '1', '--check-every', '0'];

/** dgm images/s: a coordinator on the first host and one worker on each host; steps after the warm-up. */
async function dgmOnHosts(hosts: SimHost[], steps: number, work: string, name: string): Promise<number> {
  const h0 = hosts[0]!;
  const endpoint = `tcp://${h0.address}:5555`;
  const out = join(work, name);
  // --insecure: the simulated cluster is this machine's own network; keys would add CURVE's cost
  // to dgm's side only (gloo encrypts nothing).
  const coordinator = h0.spawn(process.execPath, [DGM, 'coordinator', '--json', '--bind', endpoint, '--workers', String(hosts.length), '--steps', String(steps), '--out', out, '--insecure', ...TRAIN], { stdio: ['ignore', 'ignore', 'pipe'] });
  const workers = hosts.map((h) => h.spawn(process.execPath, [DGM, 'worker', '--json', '--connect', endpoint, '--backend', 'wasm', '--insecure'], { stdio: ['ignore', 'ignore', 'pipe'], env: workerEnv(process.env, { gpu: null }) }));
  const all = [coordinator, ...workers];
  try {
    const results = await Promise.all(all.map(ended));
    const failed = results.find((r) => r.code !== 0);
    if (failed) throw new Error(`dgm on ${hosts.length} host(s) failed: ${results.map((r) => r.err.slice(-600)).join('\n')}`);
  } finally {
    for (const p of all) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { samples: number; stepMs: number });
  const measured = records.slice(WARMUP);
  return measured.reduce((a, r) => a + r.samples, 0) / (measured.reduce((a, r) => a + r.stepMs, 0) / 1000);
}

function settings() {
  const { values } = readBenchArgs({ usage: USAGE, config: { options: { rate: { type: 'string', default: '10gbit' }, steps: { type: 'string', default: '12' }, rounds: { type: 'string', default: '3' }, json: { type: 'string' } } } });
  let rate: string;
  try {
    rate = parseLinkRate(values.rate).text;
  } catch (e) {
    refuse(`--rate: ${(e as Error).message}`);
  }
  const steps = wholeNumber(values.steps, '--steps', WARMUP + 1, 1_000_000, `a whole number above ${WARMUP} (the first ${WARMUP} are warm-up)`);
  const rounds = wholeNumber(values.rounds, '--rounds', 1, 1000, 'a whole number of rounds (1 or more)');
  return { rate, steps, rounds, json: values.json };
}

const f = (v: number, d = 1) => v.toFixed(d);

async function main(): Promise<void> {
  const s = settings();
  // tfjs (machine.ts) loads only after the flags are read: a mistake is answered at once.
  const { machineInfo } = await import('./machine.js');
  const result: Record<string, unknown> = { machine: machineInfo(), date: new Date().toISOString(), globalBatch: GLOBAL_BATCH, rate: s.rate, steps: s.steps - WARMUP, rounds: s.rounds };
  console.log(`machine: ${JSON.stringify(result.machine)}`);
  const cluster = SimulatedCluster.up({ hosts: 2, rate: s.rate, shmSize: '256m' });
  const work = mkdtempSync(join(tmpdir(), 'dgm-cluster-dcgan-'));
  process.once('SIGINT', () => (cluster.down(), rmSync(work, { recursive: true, force: true }), process.exit(130)));
  try {
    const runs = { dgm1: [] as number[], dgm2: [] as number[], ddp1: [] as number[], ddp2: [] as number[] };
    console.log(`\nDCGAN (anchor layers, normalization none), global batch ${GLOBAL_BATCH}, ${s.steps - WARMUP} measured steps, ${s.rate} links (${f(rateGBs(s.rate), 3)} GB/s each way), dgm: hierarchical plane, fp32 wire`);
    console.log('| round | dgm 1 host img/s | dgm 2 hosts img/s | dgm 2/1 | DDP 1 host img/s | DDP 2 hosts img/s | DDP 2/1 | dgm/DDP (2 hosts) |');
    console.log('|---|---|---|---|---|---|---|---|');
    const line = (label: string, d1: number, d2: number, t1: number, t2: number) =>
      console.log(`| ${label} | ${f(d1)} | ${f(d2)} | ${f(d2 / d1, 2)} | ${f(t1)} | ${f(t2)} | ${f(t2 / t1, 2)} | ${f(d2 / t2, 2)} |`);
    const [h0, h1] = cluster.hosts as [SimHost, SimHost];
    for (let r = 0; r < s.rounds; r++) {
      runs.dgm1.push(await dgmOnHosts([h0], s.steps, work, `r${r}-one`));
      runs.dgm2.push(await dgmOnHosts([h0, h1], s.steps, work, `r${r}-two`));
      runs.ddp1.push(await ddpDcganOnHosts([h0], GLOBAL_BATCH, s.steps - WARMUP));
      runs.ddp2.push(await ddpDcganOnHosts([h0, h1], GLOBAL_BATCH / 2, s.steps - WARMUP));
      line(String(r + 1), runs.dgm1[r]!, runs.dgm2[r]!, runs.ddp1[r]!, runs.ddp2[r]!);
    }
    const m = { dgm1: median(runs.dgm1), dgm2: median(runs.dgm2), ddp1: median(runs.ddp1), ddp2: median(runs.ddp2) };
    line('median', m.dgm1, m.dgm2, m.ddp1, m.ddp2);
    result.imagesPerSec = { ...m, dgmRatio: m.dgm2 / m.dgm1, ddpRatio: m.ddp2 / m.ddp1, dgmOverDdp2: m.dgm2 / m.ddp2, rounds: runs };
  } finally {
    cluster.down();
    rmSync(work, { recursive: true, force: true });
  }
  const json = JSON.stringify(result);
  console.log(json);
  if (s.json) writeFileSync(s.json, `${json}\n`);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}

// What the network allows between simulated hosts (tools/cluster), the figures every multi-host
// result stands beside: raw ZeroMQ one-way streaming from one host to another (the ceiling of any
// plane built on ZeroMQ), and PyTorch gloo's all-reduce with one process per host
// (RANK/WORLD_SIZE/MASTER_ADDR from the environment, GLOO_SOCKET_IFNAME = the host's interface).
// Each link rate gets its own cluster; rounds alternate the two measurements.
//
//   node tools/dist/bench/cluster-limits.js [--hosts 2,4] [--rates 1gbit,10gbit] [--rounds 3]
//        [--sizes 1048576,...] [--reps 10] [--json FILE]
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SimulatedCluster } from '../cluster/simulated-cluster.js';
import type { SimHost } from '../cluster/sim-host.js';
import { parseLinkRate } from '../cluster/link-rate.js';
import { ALLREDUCE_ANCHOR } from './torch-scripts.js';
import { PYTHON } from './torch-anchor.js';
import { median } from './stats.js';
import { machineInfo } from './machine.js';

const PEER = fileURLToPath(new URL('./zmq-stream-peer.js', import.meta.url));
const STREAM_BYTES = 64 * 2 ** 20;
const STREAM_FRAME = 2 ** 20;
const PORT = 29500;

interface Ended { code: number | null; out: string; err: string }
function ended(child: ChildProcess): Promise<Ended> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** One-way GB/s from host a to host b: median over the repetitions of one round. */
async function zmqStream(a: SimHost, b: SimHost, reps: number): Promise<number> {
  const address = `tcp://${b.address}:${PORT}`;
  const pull = b.spawn(process.execPath, [PEER, 'pull', `tcp://*:${PORT}`, String(STREAM_BYTES), String(STREAM_FRAME), String(reps)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pulled = ended(pull);
  await new Promise<void>((resolve) => pull.stdout!.once('data', () => resolve()));
  const push = a.spawn(process.execPath, [PEER, 'push', address, String(STREAM_BYTES), String(STREAM_FRAME), String(reps)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [p, q] = await Promise.all([pulled, ended(push)]);
  if (p.code !== 0 || q.code !== 0) throw new Error(`zmq stream failed: ${p.err}${q.err}`);
  const { seconds } = JSON.parse(p.out.trim().split('\n').pop()!) as { seconds: number[] };
  return STREAM_BYTES / median(seconds) / 1e9;
}

/** gloo all-reduce over the first n hosts, one rank each: rank 0's rows (busbw per size). */
async function gloo(hosts: SimHost[], sizes: number[], reps: number): Promise<{ bytes: number; busbw_GBs: number; sec: number }[]> {
  const runs = hosts.map((h, rank) => ended(h.spawn(PYTHON, [ALLREDUCE_ANCHOR], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(hosts.length), MASTER_ADDR: hosts[0]!.address,
      MASTER_PORT: String(PORT + 1), GLOO_SOCKET_IFNAME: h.iface, SIZES: sizes.join(','), REPS: String(reps) },
  })));
  const all = await Promise.all(runs);
  const bad = all.find((r) => r.code !== 0);
  if (bad) throw new Error(`gloo across hosts failed: ${bad.err.slice(-800)}`);
  return all[0]!.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { bytes: number; busbw_GBs: number; sec: number });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    hosts: { type: 'string', default: '2,4' }, rates: { type: 'string', default: '1gbit,10gbit' },
    rounds: { type: 'string', default: '3' }, reps: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '1048576,4194304,16777216,67108864' }, json: { type: 'string' },
  } });
  const hostCounts = values.hosts.split(',').map(Number);
  const sizes = values.sizes.split(',').map(Number);
  const rounds = Number(values.rounds);
  const reps = Number(values.reps);
  const result: Record<string, unknown> = { machine: machineInfo(), sizes, rounds, reps, rates: {} };
  for (const rate of values.rates.split(',')) {
    const cluster = SimulatedCluster.up({ hosts: Math.max(...hostCounts), rate, shmSize: '64m' });
    try {
      const stream: number[] = [];
      const glooRounds: Record<number, Record<number, number[]>> = {};
      for (let r = 0; r < rounds; r++) {
        stream.push(await zmqStream(cluster.hosts[0]!, cluster.hosts[1]!, reps));
        for (const n of hostCounts) {
          for (const row of await gloo(cluster.hosts.slice(0, n), sizes, reps)) ((glooRounds[n] ??= {})[row.bytes] ??= []).push(row.busbw_GBs);
        }
      }
      const glooMedians = Object.fromEntries(Object.entries(glooRounds).map(([n, bySize]) =>
        [n, Object.fromEntries(Object.entries(bySize).map(([b, v]) => [b, median(v)]))]));
      (result.rates as Record<string, unknown>)[rate] = { zmqStreamGBs: median(stream), zmqStreamRounds: stream, glooBusbwGBs: glooMedians, glooRounds };
      console.log(`\n${rate} links: raw ZeroMQ one-way stream host0 → host1 ${median(stream).toFixed(3)} GB/s (rounds ${stream.map((s) => s.toFixed(3)).join(' ')}); link ${rateGBs(rate).toFixed(3)} GB/s`);
      console.log(`| size | ${hostCounts.map((n) => `gloo ${n} hosts busbw GB/s`).join(' | ')} |`);
      for (const s of sizes) console.log(`| ${s / 2 ** 20} MB | ${hostCounts.map((n) => glooMedians[n]![s]!.toFixed(3)).join(' | ')} |`);
    } finally {
      cluster.down();
    }
  }
  console.log(JSON.stringify(result));
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
}

function rateGBs(rate: string): number {
  return parseLinkRate(rate).bitsPerSecond / 8 / 1e9;
}

await main();

// The references every multi-host figure stands beside, measured on the simulated cluster's hosts
// (tools/cluster): raw ZeroMQ one-way streaming from one host to another (the ceiling of any plane
// built on ZeroMQ), PyTorch gloo's all-reduce and PyTorch DDP's DCGAN, one process per host
// (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT from the environment, GLOO_SOCKET_IFNAME = the host's
// interface). Shared by cluster-limits.ts, cluster-allreduce.ts and cluster-dcgan.ts.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimHost } from '../cluster/sim-host.js';
import { parseLinkRate } from '../cluster/link-rate.js';
import type { AllReduceRow } from './allreduce-runtime.js';
import { PYTHON } from './torch-anchor.js';
import { ALLREDUCE_ANCHOR, DCGAN_ANCHOR } from './torch-scripts.js';
import { median } from './stats.js';

const STREAM_PEER = fileURLToPath(new URL('./zmq-stream-peer.js', import.meta.url));
const STREAM_BYTES = 64 * 2 ** 20;
const STREAM_FRAME = 2 ** 20;
const STREAM_PORT = 29500;
/** gloo's rendezvous port on the first host (the stream's port + 1). */
const MASTER_PORT = 29501;

export interface Ended { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** A child's exit with everything it printed. */
export function ended(child: ChildProcess): Promise<Ended> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
}

/** A link rate in GB/s (bytes), as the tables print it beside the measured figures. */
export function rateGBs(rate: string): number {
  return parseLinkRate(rate).bitsPerSecond / 8 / 1e9;
}

/** One-way GB/s from host a to host b: median over the repetitions of one round. */
export async function zmqStream(a: SimHost, b: SimHost, reps: number): Promise<number> {
  const address = `tcp://${b.address}:${STREAM_PORT}`;
  const pull = b.spawn(process.execPath, [STREAM_PEER, 'pull', `tcp://*:${STREAM_PORT}`, String(STREAM_BYTES), String(STREAM_FRAME), String(reps)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pulled = ended(pull);
  await new Promise<void>((resolve) => pull.stdout!.once('data', () => resolve()));
  const push = a.spawn(process.execPath, [STREAM_PEER, 'push', address, String(STREAM_BYTES), String(STREAM_FRAME), String(reps)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [p, q] = await Promise.all([pulled, ended(push)]);
  if (p.code !== 0 || q.code !== 0) throw new Error(`zmq stream failed: ${p.err}${q.err}`);
  const { seconds } = JSON.parse(p.out.trim().split('\n').pop()!) as { seconds: number[] };
  return STREAM_BYTES / median(seconds) / 1e9;
}

/** A PyTorch script as one rank per host: every rank's exit, or an error with the first failure's tail. */
async function torchOnHosts(hosts: SimHost[], args: string[], env: Record<string, string>, what: string): Promise<Ended[]> {
  const runs = hosts.map((h, rank) => ended(h.spawn(PYTHON, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, RANK: String(rank), WORLD_SIZE: String(hosts.length), MASTER_ADDR: hosts[0]!.address,
      MASTER_PORT: String(MASTER_PORT), GLOO_SOCKET_IFNAME: h.iface },
  })));
  const all = await Promise.all(runs);
  const bad = all.find((r) => r.code !== 0);
  if (bad) throw new Error(`${what} across hosts failed: ${bad.err.slice(-800)}`);
  return all;
}

const jsonLines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

/** gloo all-reduce over these hosts, one rank each: rank 0's rows (seconds and bandwidths per size). */
export async function glooOnHosts(hosts: SimHost[], sizes: number[], reps: number): Promise<AllReduceRow[]> {
  const [rank0] = await torchOnHosts(hosts, [ALLREDUCE_ANCHOR], { SIZES: sizes.join(','), REPS: String(reps) }, 'gloo all-reduce');
  return jsonLines(rank0!.out).map((l) => ({ impl: 'torch-gloo', n: hosts.length, bytes: l.bytes as number, sec: l.sec as number, algbw_GBs: l.algbw_GBs as number, busbw_GBs: l.busbw_GBs as number }));
}

/** PyTorch DDP's DCGAN over these hosts, one rank each with `batchPerRank` images: images/s. */
export async function ddpDcganOnHosts(hosts: SimHost[], batchPerRank: number, steps: number): Promise<number> {
  const [rank0] = await torchOnHosts(hosts, [DCGAN_ANCHOR, String(hosts.length), String(batchPerRank), String(steps)], {}, 'DDP DCGAN');
  const result = jsonLines(rank0!.out).find((l) => typeof l.images_per_s === 'number');
  if (!result) throw new Error('ddp_dcgan.py printed no result');
  return result.images_per_s as number;
}

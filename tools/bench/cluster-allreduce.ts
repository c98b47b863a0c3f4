// All-reduce between hosts on the simulated cluster (tools/cluster): one rank per host, dgm's
// hierarchical plane (wire fp32 / bf16 / fp16: a plain ring with one rank per host) and dgm's
// star (every byte through the coordinator on the first host), against PyTorch gloo on the same
// hosts; beside them the limits: the link rate set with tc and raw ZeroMQ streaming host0 → host1.
// Each link rate gets its own cluster; each round runs every implementation once for every host
// count (alternated, so each sees the same noisy load); the table gives per size the median over
// rounds of each round's median of --reps timed calls (after warm-up calls: 2 per size, and for dgm at
// least --warmup-bytes of all-reduce per size, default 128 MiB; 0 gives 2 calls, as before 2026-12-03).
//
//   node tools/dist/bench/cluster-allreduce.js [--hosts 2,4] [--rates 1gbit,10gbit]
//        [--sizes 1048576,4194304,16777216,67108864] [--reps 10] [--rounds 3]
//        [--impl hier-fp32,hier-bf16,star,gloo] [--warmup-bytes N] [--json FILE] [--profile DIR]
// --impl also takes hier-fp16, and hier-fp32-zmq / hier-bf16-zmq: the ring over ZeroMQ instead of plain TCP.
// --profile DIR: every dgm peer runs with node --cpu-prof and leaves its CPU profile in DIR.
//
// dgm's side is the one-host bench's harness (allreduce-runtime.ts, allreduce-peer.ts): the
// coordinator side runs on host0 (cluster-allreduce-coordinator.ts), a peer on every host.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withAllocatorTunables } from '@dgm/worker/device';
import { parseLinkRate } from '../cluster/link-rate.js';
import type { SimHost } from '../cluster/sim-host.js';
import { SimulatedCluster } from '../cluster/simulated-cluster.js';
import { PEER, PEER_RING_TRANSPORT_ENV, type AllReduceRow } from './allreduce-runtime.js';
import { listOf, nameIn, readBenchArgs, wholeIn, wholeNumber } from './bench-args.js';
import { ended, glooOnHosts, rateGBs, zmqStream, type Ended } from './cluster-anchors.js';
import { median } from './stats.js';

const COORDINATOR = fileURLToPath(new URL('./cluster-allreduce-coordinator.js', import.meta.url));
// hier-*: the ring over plain TCP (a keyless run's transport); hier-*-zmq: the same ring over ZeroMQ.
const IMPLS = ['hier-fp32', 'hier-bf16', 'hier-fp16', 'hier-fp32-zmq', 'hier-bf16-zmq', 'star', 'gloo'] as const;
type Impl = (typeof IMPLS)[number];
const WARMUP = 2;
/**
 * dgm's warm-up calls per size (--warmup-bytes): at least WARMUP and at least this many bytes of all-reduce. The
 * first tens of MB a process receives through ZeroMQ land in fresh pages (libzmq mallocs each
 * incoming message; the buffers are freed only when V8 collects them, the first time after ~64 MB
 * received, and are reused from then on), and a page fault costs more than the transfer on this
 * VM: without it a 4 MB figure measured calls 3-7 of a process, 2-3x steady state. BENCHMARKS.md
 * ("What the first calls of a process cost") gives the measured cost of those first calls.
 */
const WARMUP_BYTES = 128 * 2 ** 20;
// (The JSON's rows keep every timed call's seconds in order: with --warmup-bytes 0 and many
// --reps they show what the first calls of a process cost.)
const USAGE = 'node tools/dist/bench/cluster-allreduce.js [--hosts 2,4] [--rates 1gbit,10gbit] [--sizes 1048576,...] [--reps 10] [--rounds 3] [--impl hier-fp32,hier-bf16,hier-fp32-zmq,star,gloo,...] [--warmup-bytes N] [--json FILE] [--profile DIR]';

/** dgm's all-reduce over these hosts: the coordinator side on the first, a peer on each. */
async function dgmOnHosts(hosts: SimHost[], impl: Exclude<Impl, 'gloo'>, sizes: number[], reps: number, warmupBytes: number, profileDir?: string): Promise<AllReduceRow[]> {
  const [plane, wire] = impl === 'star' ? ['star-tcp', 'fp32'] : ['hierarchical', impl.slice('hier-'.length, 'hier-fp32'.length)];
  const transport = impl.endsWith('-zmq') ? 'zeromq' : 'tcp';
  const h0 = hosts[0]!;
  const coordinator = h0.spawn(process.execPath, [COORDINATOR, h0.address, String(hosts.length), sizes.join(','), String(reps), String(WARMUP), String(warmupBytes), plane, wire], { stdio: ['ignore', 'pipe', 'pipe'] });
  const coordinatorEnded = ended(coordinator);
  const peers: ChildProcess[] = [];
  const peerEnds: Promise<Ended>[] = [];
  let pending = '';
  coordinator.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (!line.startsWith('{"peerArgs"')) continue;
      const { peerArgs } = JSON.parse(line) as { peerArgs: string[] };
      for (const h of hosts) {
        // --profile: each peer writes a V8 CPU profile (open it in Chrome's DevTools) when it exits.
        const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
        // A rank's allocator as a launched worker's (workerEnv): the ring's receive path depends on it.
        const env = { ...withAllocatorTunables(process.env as Record<string, string>), [PEER_RING_TRANSPORT_ENV]: transport };
        const p = h.spawn(process.execPath, [...profile, PEER, ...peerArgs], { stdio: ['ignore', 'ignore', 'pipe'], env });
        peers.push(p);
        // A peer that fails ends the measurement at once rather than at the coordinator's timeout.
        peerEnds.push(ended(p).then((e) => (e.code !== 0 && coordinator.exitCode === null && coordinator.kill('SIGKILL'), e)));
      }
    }
  });
  try {
    const c = await coordinatorEnded;
    const ends = await Promise.all(peerEnds);
    const failed = ends.find((e) => e.code !== 0);
    const how = (e: Ended) => (e.signal ? `killed by ${e.signal}` : `exit ${e.code}`);
    if (c.code !== 0 || failed) throw new Error(`dgm ${impl} on ${hosts.length} hosts failed (coordinator ${how(c)}; peers ${ends.map(how).join(', ')}): ${(failed?.err ?? '') + c.err.slice(-800)}`);
    const rows = c.out.split('\n').find((l) => l.startsWith('{"rows"'));
    if (!rows) throw new Error(`dgm ${impl} on ${hosts.length} hosts printed no result`);
    return (JSON.parse(rows) as { rows: AllReduceRow[] }).rows;
  } finally {
    for (const p of [coordinator, ...peers]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}

function settings() {
  const { values } = readBenchArgs({ usage: USAGE, config: { options: {
    hosts: { type: 'string', default: '2,4' }, rates: { type: 'string', default: '1gbit,10gbit' },
    sizes: { type: 'string', default: '1048576,4194304,16777216,67108864' }, reps: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' }, impl: { type: 'string', default: 'hier-fp32,hier-bf16,star,gloo' }, json: { type: 'string' },
    profile: { type: 'string' }, 'warmup-bytes': { type: 'string', default: String(WARMUP_BYTES) },
  } } });
  const hostCounts = listOf(values.hosts, '--hosts', wholeIn(2, 32), 'host counts from 2 to 32, comma-separated (e.g. 2,4)');
  const rates = listOf(values.rates, '--rates', (s) => { try { return parseLinkRate(s).text; } catch { return null; } }, 'link rates in tc\'s spelling, comma-separated (e.g. 1gbit,10gbit)');
  const sizes = listOf(values.sizes, '--sizes', (s) => { const v = wholeIn(4, 2 ** 28)(s); return v !== null && v % 4 === 0 ? v : null; }, 'byte counts that are multiples of 4, from 4 to 256 MiB, comma-separated');
  const impls = listOf(values.impl, '--impl', nameIn(IMPLS), `a comma-separated list of ${IMPLS.join(', ')}`);
  const reps = wholeNumber(values.reps, '--reps', 1, 10_000, 'a whole number of timed calls (1 or more)');
  const rounds = wholeNumber(values.rounds, '--rounds', 1, 1000, 'a whole number of rounds (1 or more)');
  const warmupBytes = wholeNumber(values['warmup-bytes'], '--warmup-bytes', 0, 2 ** 34, 'a whole number of bytes from 0 to 16 GiB (0: 2 warm-up calls per size)');
  return { hostCounts, rates, sizes, impls, reps, rounds, warmupBytes, json: values.json, profile: values.profile ? resolve(values.profile) : undefined };
}

const f = (v: number, d = 3) => v.toFixed(d);
const human = (bytes: number) => (bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MB` : `${bytes / 1024} KB`);

async function main(): Promise<void> {
  const s = settings();
  // tfjs (machine.ts) loads only after the flags are read: a mistake is answered at once.
  const { machineInfo } = await import('./machine.js');
  const result: Record<string, unknown> = { machine: machineInfo(), date: new Date().toISOString(), sizes: s.sizes, reps: s.reps, rounds: s.rounds, warmup: WARMUP, warmupBytes: s.warmupBytes, rates: {} };
  console.log(`machine: ${JSON.stringify(result.machine)}`);
  let cluster: SimulatedCluster | null = null;
  process.once('SIGINT', () => (cluster?.down(), process.exit(130)));
  for (const rate of s.rates) {
    cluster = SimulatedCluster.up({ hosts: Math.max(...s.hostCounts), rate, shmSize: '1g' });
    try {
      const stream: number[] = [];
      // byN[n][impl] = one row list per round
      const byN = new Map<number, Map<Impl, AllReduceRow[][]>>();
      for (let r = 0; r < s.rounds; r++) {
        stream.push(await zmqStream(cluster.hosts[0]!, cluster.hosts[1]!, s.reps));
        for (const n of s.hostCounts) {
          const hosts = cluster.hosts.slice(0, n);
          for (const impl of s.impls) {
            const rows = impl === 'gloo' ? await glooOnHosts(hosts, s.sizes, s.reps) : await dgmOnHosts(hosts, impl, s.sizes, s.reps, s.warmupBytes, s.profile);
            const perImpl = byN.get(n) ?? new Map<Impl, AllReduceRow[][]>();
            byN.set(n, perImpl.set(impl, [...(perImpl.get(impl) ?? []), rows]));
          }
        }
      }
      const link = rateGBs(rate);
      const streamGBs = median(stream);
      const perHosts: Record<number, Record<string, unknown[]>> = {};
      for (const [n, perImpl] of byN) {
        const medians = new Map([...perImpl].map(([impl, runs]) => [impl, s.sizes.map((bytes) => {
          const at = runs.map((rows) => rows.find((row) => row.bytes === bytes)!);
          const sec = median(at.map((row) => row.sec));
          return { bytes, sec, busbw_GBs: (bytes / sec / 1e9) * 2 * (n - 1) / n, rounds: at.map((row) => row.sec), ...(at[0]!.times ? { times: at.map((row) => row.times) } : {}) };
        })]));
        perHosts[n] = Object.fromEntries(medians);
        const gloo = medians.get('gloo');
        const dgmImpls = s.impls.filter((i) => i !== 'gloo');
        console.log(`\n${n} hosts × 1 rank, ${rate} links (${f(link)} GB/s each way); raw ZeroMQ stream host0 → host1 ${f(streamGBs)} GB/s; median of ${s.rounds} round(s) of ${s.reps} calls; busbw = algbw·2(n-1)/n`);
        console.log(`| size | ${s.impls.map((i) => `${i} s | ${i} busbw GB/s`).join(' | ')}${gloo ? ` | ${dgmImpls.map((i) => `${i}/gloo`).join(' | ')}` : ''} | ${dgmImpls.map((i) => `${i}/link`).join(' | ')} |`);
        console.log(`|---|${s.impls.map(() => '---|---').join('|')}|${gloo ? dgmImpls.map(() => '---|').join('') : ''}${dgmImpls.map(() => '---|').join('')}`);
        s.sizes.forEach((bytes, k) => {
          const cells = s.impls.map((i) => `${f(medians.get(i)![k]!.sec, 4)} | ${f(medians.get(i)![k]!.busbw_GBs)}`);
          const vsGloo = gloo ? ` | ${dgmImpls.map((i) => f(medians.get(i)![k]!.busbw_GBs / gloo[k]!.busbw_GBs, 2)).join(' | ')}` : '';
          console.log(`| ${human(bytes)} | ${cells.join(' | ')}${vsGloo} | ${dgmImpls.map((i) => f(medians.get(i)![k]!.busbw_GBs / link, 2)).join(' | ')} |`);
        });
      }
      (result.rates as Record<string, unknown>)[rate] = { linkGBs: link, zmqStreamGBs: streamGBs, zmqStreamRounds: stream, hosts: perHosts };
    } finally {
      cluster.down();
      cluster = null;
    }
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

// What the network allows between simulated hosts (tools/cluster), the figures every multi-host
// result stands beside: raw ZeroMQ one-way streaming from one host to another (the ceiling of any
// plane built on ZeroMQ), and PyTorch gloo's all-reduce with one process per host
// (RANK/WORLD_SIZE/MASTER_ADDR from the environment, GLOO_SOCKET_IFNAME = the host's interface).
// Each link rate gets its own cluster; rounds alternate the two measurements.
//
//   node tools/dist/bench/cluster-limits.js [--hosts 2,4] [--rates 1gbit,10gbit] [--rounds 3]
//        [--sizes 1048576,...] [--reps 10] [--json FILE]
import { writeFileSync } from 'node:fs';
import { parseLinkRate } from '../cluster/link-rate.js';
import { SimulatedCluster } from '../cluster/simulated-cluster.js';
import { listOf, readBenchArgs, wholeIn, wholeNumber } from './bench-args.js';
import { glooOnHosts, rateGBs, zmqStream } from './cluster-anchors.js';
import { median } from './stats.js';

const USAGE = 'node tools/dist/bench/cluster-limits.js [--hosts 2,4] [--rates 1gbit,10gbit] [--rounds 3] [--sizes 1048576,...] [--reps 10] [--json FILE]';

async function main(): Promise<void> {
  const { values } = readBenchArgs({ usage: USAGE, config: { options: {
    hosts: { type: 'string', default: '2,4' }, rates: { type: 'string', default: '1gbit,10gbit' },
    rounds: { type: 'string', default: '3' }, reps: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '1048576,4194304,16777216,67108864' }, json: { type: 'string' },
  } } });
  const hostCounts = listOf(values.hosts, '--hosts', wholeIn(2, 32), 'host counts from 2 to 32, comma-separated (e.g. 2,4)');
  // Each rate as written (the JSON's keys); checked here, before any host is made.
  const rates = listOf(values.rates, '--rates', (s) => { try { parseLinkRate(s); return s; } catch { return null; } }, 'link rates in tc\'s spelling, comma-separated (e.g. 1gbit,10gbit)');
  const sizes = listOf(values.sizes, '--sizes', (s) => { const v = wholeIn(4, 2 ** 28)(s); return v !== null && v % 4 === 0 ? v : null; }, 'byte counts that are multiples of 4, from 4 to 256 MiB, comma-separated');
  const rounds = wholeNumber(values.rounds, '--rounds', 1, 1000, 'a whole number of rounds (1 or more)');
  const reps = wholeNumber(values.reps, '--reps', 1, 10_000, 'a whole number of timed calls (1 or more)');
  // tfjs (machine.ts) loads only after the flags are read: a mistake is answered at once.
  const { machineInfo } = await import('./machine.js');
  const result: Record<string, unknown> = { machine: machineInfo(), sizes, rounds, reps, rates: {} };
  for (const rate of rates) {
    const cluster = SimulatedCluster.up({ hosts: Math.max(...hostCounts), rate, shmSize: '64m' });
    try {
      const stream: number[] = [];
      const glooRounds: Record<number, Record<number, number[]>> = {};
      for (let r = 0; r < rounds; r++) {
        stream.push(await zmqStream(cluster.hosts[0]!, cluster.hosts[1]!, reps));
        for (const n of hostCounts) {
          for (const row of await glooOnHosts(cluster.hosts.slice(0, n), sizes, reps)) ((glooRounds[n] ??= {})[row.bytes] ??= []).push(row.busbw_GBs);
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

await main();

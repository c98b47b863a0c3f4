// The hierarchical plane's worker ends in one process, on real sockets: ring links on loopback
// (plain TCP, a keyless run's default, and ZeroMQ), real segments and turn sockets in /dev/shm; "hosts" are told apart only by the
// shared-memory ids the setup groups them by. The coordinator takes no part in a phase: the
// context's send() must never be called, and every rank must still get the sample-weighted mean,
// the same bits on every rank, call after call (outputs alternate; chunks leave without copies),
// and on a plain ring exactly the bits of the ring's arithmetic done with the JavaScript codec (so
// the SIMD wire kernels change nothing).
import { describe, expect, it } from 'vitest';
import type { Message, WireFormat } from '@dgm/protocol';
import type { PlaneMember, WorkerPlaneEnd, WorkerPreparation } from '../src/api.js';
import { hierarchicalPlane } from '../src/hierarchical/index.js';
import { CHUNK_FLOATS } from '../src/hierarchical/ring-reducer.js';
import { sharedPlane } from '../src/shared/index.js';
import { chunkOf } from '../src/shared/chunks.js';
import { roundTrip } from '../src/hierarchical/wire-codec.js';
import type { RingTransport } from '../src/names.js';

/** A deterministic pseudo-random float in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** Ranks on `hosts` (host label per rank), each with its segment and ring socket; returns their ends. */
async function ring(hosts: string[], gradSizes: Record<string, number>, wire: WireFormat, ringTransport: RingTransport) {
  const sentToCoordinator: Message[] = [];
  const prepared: { segment: WorkerPreparation; ring: WorkerPreparation }[] = [];
  for (let r = 0; r < hosts.length; r++) {
    const segment = sharedPlane.prepare({ gradSizes, sharedMemory: true, log: () => undefined }) as WorkerPreparation;
    const ringPrep = (await hierarchicalPlane.prepare({ gradSizes, sharedMemory: true, coordinator: 'tcp://127.0.0.1:9', keyPair: null, ringPorts: '*', ringTransport, segment, log: () => undefined }))!;
    prepared.push({ segment, ring: ringPrep });
  }
  const members: PlaneMember[] = prepared.map((p, rank) => ({
    rank, pid: rank, host: hosts[rank]!,
    shm: { id: `fs-${hosts[rank]}`, path: p.segment.offer.shm!.path }, ring: p.ring.offer.ring!,
  }));
  const setup = hierarchicalPlane.setup('run', members, { wire });
  const ends: WorkerPlaneEnd[] = prepared.map((p, rank) => hierarchicalPlane.workerEnd(
    { run: 'run', rank, worldSize: hosts.length, timeoutMs: 10_000, send: async (m) => void sentToCoordinator.push(m) },
    setup, p.ring,
  ));
  return { ends, sentToCoordinator, close: () => ends.forEach((e) => e.close()) };
}

/** Σ_q (n_q/N)·g_q in float64, the value every rank must get within float32 rounding. */
function weightedMean(grads: Float32Array[], counts: number[]): Float64Array {
  const total = counts.reduce((a, c) => a + c, 0);
  const out = new Float64Array(grads[0]!.length);
  grads.forEach((g, q) => g.forEach((v, i) => (out[i] += (counts[q]! / total) * v)));
  return out;
}

/**
 * What a plain ring (one rank per host) computes, by the JavaScript codec and float32 rounding:
 * piece p leaves host p through the wire, each next host q blends it in as a running average,
 * fround(fround(wa·piece) + fround(wo·g_q)) with float32 weights M/(M+n_q) and n_q/(M+n_q), and
 * every blend goes through the wire again (the next host decodes it; the last one is the result).
 */
function plainRing(grads: Float32Array[], counts: number[], wire: WireFormat): Float32Array {
  const H = grads.length;
  const out = new Float32Array(grads[0]!.length);
  for (let p = 0; p < H; p++) {
    const [ps, pe] = chunkOf(out.length, H, p);
    const piece = grads[p]!.slice(ps, pe);
    roundTrip(piece, wire);
    let samples = counts[p]!;
    for (let j = 1; j < H; j++) {
      const q = (p + j) % H;
      const [wa, wo] = [Math.fround(samples / (samples + counts[q]!)), Math.fround(counts[q]! / (samples + counts[q]!))];
      piece.forEach((v, i) => (piece[i] = Math.fround(Math.fround(wa * v) + Math.fround(wo * grads[q]![ps + i]!))));
      roundTrip(piece, wire);
      samples += counts[q]!;
    }
    out.set(piece, ps);
  }
  return out;
}

describe('RingReducer on real sockets', () => {
  // 3 hosts × 1 rank (a plain ring), 2 hosts × 2 ranks (local turns, then two rings), bf16 and fp16 on the wire.
  // Each transport (tcp-ring-link.ts, zmq-ring-link.ts) carries fp32 and a half format.
  const cases: { hosts: string[]; wire: WireFormat; tolerance: number; transport: RingTransport }[] = [
    { hosts: ['a', 'b', 'c'], wire: 'fp32', tolerance: 1e-6, transport: 'tcp' },
    { hosts: ['a', 'b', 'a', 'b'], wire: 'fp32', tolerance: 1e-6, transport: 'tcp' },
    { hosts: ['a', 'b'], wire: 'bf16', tolerance: 0.05, transport: 'tcp' }, // |g| < 4: 4·2^-9 per rounding, twice
    { hosts: ['a', 'b', 'c'], wire: 'fp16', tolerance: 1e-2, transport: 'tcp' },
    { hosts: ['a', 'b', 'c'], wire: 'fp32', tolerance: 1e-6, transport: 'zeromq' },
    { hosts: ['a', 'b', 'c'], wire: 'bf16', tolerance: 0.05, transport: 'zeromq' },
  ];
  for (const { hosts, wire, tolerance, transport } of cases) {
    it(`${hosts.join('')} with ${wire} over ${transport}: the weighted mean, the same bits on every rank, no message to the coordinator`, async () => {
      // One phase spans several chunks per piece (and an uneven tail); another is tiny.
      const gradSizes = { d: 3 * CHUNK_FLOATS * hosts.length + 13, g: 7 };
      const r = await ring(hosts, gradSizes, wire, transport);
      try {
        const next = noise(hosts.length);
        for (let step = 0; step < 2; step++) { // 4 calls: each output set is written again
          for (const phase of ['d', 'g'] as const) {
            const n = gradSizes[phase];
            const grads = hosts.map(() => Float32Array.from({ length: n }, () => next() * 4));
            const counts = hosts.map((_, q) => 1 + ((q + step) % 3)); // uneven, changing each step
            const results = await Promise.all(r.ends.map((end, q) => end.reduce(phase, step, grads[q]!, counts[q]!)));
            const copies = results.map((x) => Float32Array.from(x)); // valid until the next reduce
            const mean = weightedMean(grads, counts);
            const bits = copies.map((c) => new Uint32Array(c.buffer));
            // (a loop, not toEqual: vitest compares half a million elements one by one, slowly)
            for (const b of bits) expect(b.findIndex((v, i) => v !== bits[0]![i])).toBe(-1);
            let worst = 0;
            copies[0]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - mean[i]!))));
            expect(worst).toBeLessThan(tolerance);
            if (new Set(hosts).size === hosts.length) { // and exactly the codec's bits (the SIMD kernels are)
              const expected = new Uint32Array(plainRing(grads, counts, wire).buffer);
              expect(bits[0]!.findIndex((v, i) => v !== expected[i])).toBe(-1);
            }
          }
        }
        expect(r.sentToCoordinator).toEqual([]);
      } finally {
        r.close();
      }
    }, 30_000);
  }
});

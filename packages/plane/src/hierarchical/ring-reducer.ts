// The worker's GradientReducer on the hierarchical plane (Horovod's hierarchical all-reduce):
// shared memory inside a host, one ring per local rank between hosts.
//
// One phase, host h of H, local rank l of L (every host has L ranks), gradient of n floats:
//   1. Every rank writes its gradient (but its own shard l of L, chunks.ts) into its segment and
//      says WRITTEN 'grads'; the coordinator's PROCEED 'grads' carries every rank's sample count.
//   2. Local rank l sums shard l over its host: P_h = Σ_{q on h} w_q·g_q (local ranks in rank
//      order, w_q = n_q/N in float32, the SIMD kernel of plane/averaging).
//   3. The L ranks that hold shard l on the H hosts run a ring over it: the shard is cut into H
//      pieces; reduce-scatter (H-1 hops: receive a piece's partial sum from the predecessor, add
//      P_h, pass it on) leaves piece (h+1) mod H complete at host h, which rounds it through the
//      wire format; all-gather (H-1 hops) passes the finished pieces round, byte for byte.
//      Each piece is cut into chunks of CHUNK_FLOATS that are forwarded as soon as they are summed,
//      so receiving, summing and sending overlap along the ring.
//   4. With L > 1: rank l writes its finished shard into its segment, says WRITTEN 'sums', and on
//      PROCEED reads the other shards from its local peers.
// Piece p's sum is ((P_p + P_{p+1}) + …) + P_{p-1} (hosts mod H): a fixed order, so the result
// never depends on message timing, and each finished value is computed once and copied
// everywhere, so every replica applies the same bits. It differs from the star's order
// (Σ_q w_q·g_q in rank order) only in where the additions are grouped: by host, and each piece
// starting at another host.
import type { PhaseName } from '@dgm/core';
import type { Message, SharedStage, WireFormat } from '@dgm/protocol';
import { StageTurns } from '../shared/stage-turns.js';
import { OutOfTurnError, type WorkerPlaneEnd } from '../api.js';
import { WeightedSum } from '../averaging/weighted-sum.js';
import { chunkOf, largestChunk } from '../shared/chunks.js';
import { SegmentError, type OwnSegment, type PeerSegment, type SegmentLayout } from '../shared/segment.js';
import type { RingLink } from './ring-link.js';
import type { RingTopology } from './topology.js';
import { decodeChunk, encodeChunk } from './wire-codec.js';

/** Floats per message between hosts (256 KiB of fp32): small enough to pipeline, large enough to stream. */
export const CHUNK_FLOATS = 64 * 1024;

export class RingReducer implements WorkerPlaneEnd {
  readonly name = 'hierarchical';
  private readonly sum: WeightedSum;
  private readonly turns: StageTurns;
  private readonly phaseIndex: Map<string, number>;
  private unlinked = false;

  constructor(
    private readonly run: string,
    private readonly topology: RingTopology,
    private readonly own: OwnSegment,
    /** The segments of this host's ranks, by local index (this rank's entry is null). */
    private readonly peers: readonly (PeerSegment | null)[],
    private readonly layout: SegmentLayout,
    private readonly link: RingLink,
    private readonly wire: WireFormat,
    private readonly send: (message: Message) => Promise<void>,
    timeoutMs: number,
  ) {
    this.turns = new StageTurns(run, send, topology.worldSize, 'hierarchical', timeoutMs);
    const sizes = Object.values(layout.phases).map((p) => p.size);
    const L = topology.localRanks.length;
    this.sum = new WeightedSum(Math.max(...sizes.map((n) => largestChunk(n, L))), Math.max(...sizes));
    this.phaseIndex = new Map(Object.keys(layout.phases).sort().map((p, i) => [p, i]));
  }

  async reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    const failed = this.turns.failed ?? this.link.failed;
    if (failed) throw failed;
    const region = this.layout.phases[phase];
    if (!region || grads.length !== region.size) throw new SegmentError(`phase '${phase}' with ${grads.length} values is not in this segment layout`);
    const n = region.size;
    const { localRanks, localIndex } = this.topology;
    const L = localRanks.length;
    const [s0, s1] = chunkOf(n, L, localIndex);
    if (L > 1) {
      if (s0 > 0) this.own.write(grads.subarray(0, s0), region.gradsOffset);
      if (s1 < n) this.own.write(grads.subarray(s1), region.gradsOffset + s1 * 4);
    }
    const counts = await this.stage(step, phase, 'grads', sampleCount);
    this.forgetName();
    const total = counts.reduce((a, c) => a + c, 0);
    const len = s1 - s0;
    if (len > 0) {
      // 2. this host's partial sum of shard l
      const load = (i: number, into: Float32Array) => {
        if (i === localIndex) into.set(grads.subarray(s0, s1));
        else this.peers[i]!.read(into, region.gradsOffset + s0 * 4);
      };
      const w = (i: number) => counts[localRanks[i]!]! / total;
      load(0, this.sum.a.subarray(0, len));
      if (L === 1) this.sum.b.fill(0, 0, len);
      else load(1, this.sum.b.subarray(0, len));
      this.sum.combine(w(0), L === 1 ? 0 : w(1), len, s0);
      for (let i = 2; i < L; i++) {
        load(i, this.sum.a.subarray(0, len));
        this.sum.accumulate(w(i), len, s0);
      }
      // 3. the ring between hosts
      await this.ring(step, this.phaseIndex.get(phase)!, s0, len);
    }
    const result = this.sum.out.subarray(0, n);
    if (L > 1) {
      if (len > 0) this.own.write(result.subarray(s0, s1), region.sumsOffset + s0 * 4);
      await this.stage(step, phase, 'sums', sampleCount);
      for (let i = 0; i < L; i++) {
        if (i === localIndex) continue;
        const [qs, qe] = chunkOf(n, L, i);
        if (qe > qs) this.peers[i]!.read(result.subarray(qs, qe), region.sumsOffset + qs * 4);
      }
    }
    return result;
  }

  /** Reduce-scatter then all-gather of out[at, at+len) among the hosts. */
  private async ring(step: number, phase: number, at: number, len: number): Promise<void> {
    const { hostCount: H, hostIndex: h } = this.topology;
    const out = this.sum.out;
    const chunks = (piece: number): [number, number][] => {
      const [ps, pe] = chunkOf(len, H, piece);
      const list: [number, number][] = [];
      for (let s = ps; s < pe; s += CHUNK_FLOATS) list.push([at + s, Math.min(CHUNK_FLOATS, pe - s)]);
      return list;
    };
    const mod = (x: number) => ((x % H) + H) % H;
    // Reduce-scatter, hop 0: this host's partial of piece h.
    chunks(h).forEach(([s, k], c) => this.link.send([step, phase, 0, 0, c], encodeChunk(out.subarray(s, s + k), this.wire)));
    for (let t = 0; t < H - 1; t++) {
      const last = t === H - 2;
      const list = chunks(mod(h - t - 1));
      for (let c = 0; c < list.length; c++) {
        const [s, k] = list[c]!;
        const bytes = await this.link.receive([step, phase, 0, t, c]);
        const a = this.sum.a.subarray(0, k);
        if (!decodeChunk(bytes, this.wire, a)) throw new OutOfTurnError(`a gradient chunk of ${bytes.byteLength} bytes where ${k} ${this.wire} values were expected`);
        this.sum.accumulate(1, k, s); // exact: 1·a, then one rounded addition
        const encoded = encodeChunk(out.subarray(s, s + k), this.wire);
        if (!last) this.link.send([step, phase, 0, t + 1, c], encoded);
        else {
          // Finished: keep exactly what the others will decode, and start it round.
          decodeChunk(encoded, this.wire, out.subarray(s, s + k));
          this.link.send([step, phase, 1, 0, c], encoded);
        }
      }
    }
    // All-gather: piece h-t arrives at hop t, forwarded as received.
    for (let t = 0; t < H - 1; t++) {
      const list = chunks(mod(h - t));
      for (let c = 0; c < list.length; c++) {
        const [s, k] = list[c]!;
        const bytes = await this.link.receive([step, phase, 1, t, c]);
        if (!decodeChunk(bytes, this.wire, out.subarray(s, s + k))) throw new OutOfTurnError(`a gradient chunk of ${bytes.byteLength} bytes where ${k} ${this.wire} values were expected`);
        if (t < H - 2) this.link.send([step, phase, 1, t + 1, c], new Uint8Array(bytes));
      }
    }
    await this.link.flushed();
  }

  private forgetName(): void {
    if (this.unlinked) return;
    this.own.unlink();
    this.unlinked = true;
  }

  private stage(step: number, phase: string, stage: SharedStage, sampleCount: number): Promise<number[]> {
    return this.turns.stage(step, phase, stage, sampleCount);
  }

  /** Hands a received PROCEED to the waiting stage (StageTurns checks it was the one awaited). */
  deliver(m: Message): void {
    this.turns.deliver(m);
  }

  fail(error: Error): void {
    this.turns.fail(error);
    this.link.fail(error);
  }

  close(): void {
    this.link.close();
    for (const p of this.peers) p?.close();
    this.own.close();
  }
}

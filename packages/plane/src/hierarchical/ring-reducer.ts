// The worker's GradientReducer on the hierarchical plane (Horovod's hierarchical all-reduce):
// shared memory inside a host, one ring per local rank between hosts. No message of a phase goes
// through the coordinator: the local ranks say TURN to each other (the shared plane's PeerTurns,
// Unix sockets), and ring neighbours learn everything else from the chunks themselves.
//
// One phase, host h of H, local rank l of L (every host has L ranks), gradient of n floats:
//   1. With L > 1: every rank writes its gradient (but its own shard l of L, chunks.ts) into its
//      segment and says TURN 'grads' (with its sample count) to its local peers; once it holds
//      every local TURN, local rank l averages shard l over its host: P_h = Σ_{q on h} (n_q/N_h)·g_q
//      (local ranks in rank order, weights in float32, the SIMD kernel of plane/averaging),
//      N_h = the host's samples. With L = 1, P_h is the rank's own gradient.
//   2. The L ranks that hold shard l on the H hosts run a ring over it: the shard is cut into H
//      pieces; reduce-scatter (H-1 hops: receive a piece's partial average over M samples from
//      the predecessor, blend in P_h: (M/(M+N_h))·partial + (N_h/(M+N_h))·P_h, pass it on with
//      its count M+N_h) leaves piece (h+1) mod H complete at host h, which rounds it through the
//      wire format; all-gather (H-1 hops) passes the finished pieces round, byte for byte.
//      Every chunk carries the sample count of the values it holds, so no rank needs the others'
//      counts beforehand: that is what took the coordinator off the path.
//      Each piece is cut into chunks (chunkFloats) that are forwarded as soon as they are blended,
//      so receiving, summing and sending overlap along the ring.
//   3. With L > 1: rank l writes its finished shard into its segment, says TURN 'sums', and once
//      every local rank has, reads the other shards from its local peers.
// Piece p's average is blended in a fixed order, starting at host p+1 and ending at host p (hosts
// mod H): the result never depends on message timing, and each finished value is computed once
// and copied everywhere, so every replica applies the same bits. It matches the star's Σ_q w_q·g_q
// within float32 rounding (the additions are grouped by host and by piece, and weighted as
// running averages). Every operand is an average, never a sum of gradients, so fp16 on the wire
// cannot overflow where the average would not (the divide-before-sum).
//
// Without copies: fp32 chunks leave as views of the output (the link reads them after send()
// returns), bf16/fp16 ones from encode buffers kept per reduce; outputs and encode buffers
// alternate between two sets by call, and a set is written again only two calls later, when
// every send from it has been received: a rank's call finishes only after its successor
// contributed to the same call, which that successor does only after receiving every chunk of
// the previous call (the ring forwards each piece to every host, the successor included).
import type { PhaseName } from '@dgm/core';
import type { Message, SharedStage, WireFormat } from '@dgm/protocol';
import { OutOfTurnError, type WorkerPlaneEnd } from '../api.js';
import { WeightedSum } from '../averaging/weighted-sum.js';
import { chunkOf, largestChunk } from '../shared/chunks.js';
import type { PeerTurns } from '../shared/peer-turns.js';
import { SegmentError, type OwnSegment, type PeerSegment, type SegmentLayout } from '../shared/segment.js';
import type { Chunk, RingLink } from './ring-link.js';
import type { RingTopology } from './topology.js';
import { Bf16Kernel } from './bf16-kernel.js';
import { Fp16Kernel } from './fp16-kernel.js';
import { bytesPerValue, decodeChunk } from './wire-codec.js';

/** Most floats per message between hosts (256 KiB of fp32): large enough to stream. */
export const CHUNK_FLOATS = 64 * 1024;
/** Fewest floats per message, unless a piece is smaller (128 KiB of fp32). */
export const MIN_CHUNK_FLOATS = 32 * 1024;

/**
 * Floats per chunk of a piece of `n` floats: about 32 chunks per piece, so that a piece's first
 * chunks are a few hops on before its last leave (the hops overlap), within MIN_CHUNK_FLOATS and
 * CHUNK_FLOATS, in whole KiB of floats (chunk starts stay SIMD-aligned). Measured on 4 hosts at
 * 10 Gbit/s (BENCHMARKS, "The ring over plain TCP"): 128 KiB chunks moved 16 MB 15 % faster than
 * 256 KiB ones and 64 MB 6 % slower. Every rank cuts a piece the same way (it depends on n alone).
 */
export function chunkFloats(n: number): number {
  return Math.min(CHUNK_FLOATS, Math.max(MIN_CHUNK_FLOATS, Math.ceil(n / 32 / 1024) * 1024));
}

export class RingReducer implements WorkerPlaneEnd {
  readonly name = 'hierarchical';
  private readonly sum: WeightedSum;
  private readonly phaseIndex: Map<string, number>;
  /** Per output set, the bf16/fp16 bytes this rank sends, in the kernel's memory (null for fp32: chunks leave as views of the output). */
  private readonly encoded: (Uint16Array | null)[];
  /** Where a received bf16/fp16 chunk is copied for the SIMD decode (null for fp32). */
  private readonly staging: Uint8Array | null;
  /** The wire's SIMD encode and decode (bit for bit wire-codec.ts's), over the WeightedSum's memory; null for fp32. */
  private readonly halves: Bf16Kernel | Fp16Kernel | null;
  private calls = 0;
  private unlinked = false;

  constructor(
    private readonly topology: RingTopology,
    private readonly own: OwnSegment,
    /** The segments of this host's ranks, by local index (this rank's entry is null). */
    private readonly peers: readonly (PeerSegment | null)[],
    private readonly layout: SegmentLayout,
    private readonly link: RingLink,
    private readonly wire: WireFormat,
    /** The stage turns among this host's ranks (by local index); null when the rank is alone on its host. */
    private readonly turns: PeerTurns | null,
  ) {
    const sizes = Object.values(layout.phases).map((p) => p.size);
    const L = topology.localRanks.length;
    const shard = Math.max(...sizes.map((n) => largestChunk(n, L)));
    // A rank encodes at most its whole shard per call (H-1 partial pieces, one finished piece):
    // two encode buffers of the shard's halves (+ a lane of slack), then a chunk's staging area.
    const arena = (Math.ceil(shard / 8) + 1) * 16;
    const staging = (CHUNK_FLOATS / 8 + 1) * 16;
    this.sum = new WeightedSum(shard, Math.max(...sizes), 2, wire === 'fp32' ? 0 : 2 * arena + staging);
    const { scratch } = this.sum;
    this.encoded = [0, 1].map((i) => (wire === 'fp32' ? null : new Uint16Array(scratch.buffer, scratch.byteOffset + i * arena, arena / 2)));
    this.staging = wire === 'fp32' ? null : scratch.subarray(2 * arena);
    this.halves = wire === 'bf16' ? new Bf16Kernel(this.sum.memory) : wire === 'fp16' ? new Fp16Kernel(this.sum.memory) : null;
    this.phaseIndex = new Map(Object.keys(layout.phases).sort().map((p, i) => [p, i]));
  }

  /** Averages one phase's gradient with every rank's; the result is valid until the next reduce(). */
  async reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    const failed = this.turns?.failed ?? this.link.failed;
    if (failed) throw failed;
    const region = this.layout.phases[phase];
    if (!region || grads.length !== region.size) throw new SegmentError(`phase '${phase}' with ${grads.length} values is not in this segment layout`);
    const set = this.calls++ % 2;
    this.sum.useOutput(set);
    const n = region.size;
    const { localRanks, localIndex } = this.topology;
    const L = localRanks.length;
    const [s0, s1] = chunkOf(n, L, localIndex);
    const len = s1 - s0;
    let hostSamples = sampleCount;
    // This host's values of the shard: the caller's gradient itself when the rank is alone on
    // its host (not copied up front: see ring()), else the host average, written into the output.
    let source: Float32Array = this.sum.out;
    if (L === 1) {
      this.forgetName(); // no local peer ever opens this segment
      source = grads;
    } else {
      if (s0 > 0) this.own.write(grads.subarray(0, s0), region.gradsOffset);
      if (s1 < n) this.own.write(grads.subarray(s1), region.gradsOffset + s1 * 4);
      const counts = await this.stage(step, phase, 'grads', sampleCount);
      this.forgetName();
      hostSamples = counts.reduce((a, c) => a + c, 0);
      if (len > 0) this.hostAverage(counts, grads, region.gradsOffset, s0, len);
    }
    if (len > 0) await this.ring(step, this.phaseIndex.get(phase)!, s0, len, hostSamples, set, source);
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

  /** out[s0, s0+len) = Σ_i (n_i/N_h)·g_i over this host's ranks in order (their gradients in the segments). */
  private hostAverage(counts: readonly number[], grads: Float32Array, gradsOffset: number, s0: number, len: number): void {
    const { localIndex } = this.topology;
    const total = counts.reduce((a, c) => a + c, 0);
    const load = (i: number, into: Float32Array) => {
      if (i === localIndex) into.set(grads.subarray(s0, s0 + len));
      else this.peers[i]!.read(into, gradsOffset + s0 * 4);
    };
    const w = (i: number) => counts[i]! / total;
    load(0, this.sum.a.subarray(0, len));
    load(1, this.sum.b.subarray(0, len));
    this.sum.combine(w(0), w(1), len, s0);
    for (let i = 2; i < counts.length; i++) {
      load(i, this.sum.a.subarray(0, len));
      this.sum.accumulate(w(i), len, s0);
    }
  }

  /**
   * Reduce-scatter then all-gather of [at, at+len) among the hosts, into out; this host's part
   * (`source`'s values there: the output itself, or the caller's gradient) averages `own` samples.
   * A gradient that is not yet in the output is copied in chunk by chunk, just before a chunk is
   * blended or encoded, and fp32 chunks of piece h leave straight from it: copying the whole
   * gradient first (64 MB: ~15 ms here) would hold back the ring's first byte on every host.
   * Those sends are views of the caller's array; the link has read them before this call ends,
   * since piece h's finished chunks come back round only after the successor received them.
   */
  private async ring(step: number, phase: number, at: number, len: number, own: number, set: number, source: Float32Array): Promise<void> {
    const { hostCount: H, hostIndex: h } = this.topology;
    const out = this.sum.out;
    const encoded = this.encoded[set]!;
    const ownValues = (s: number, k: number) => {
      if (source !== out) out.set(source.subarray(s, s + k), s);
    };
    const chunks = (piece: number): [number, number][] => {
      const [ps, pe] = chunkOf(len, H, piece);
      const list: [number, number][] = [];
      const size = chunkFloats(pe - ps);
      for (let s = ps; s < pe; s += size) list.push([at + s, Math.min(size, pe - s)]);
      return list;
    };
    const mod = (x: number) => ((x % H) + H) % H;
    // The bytes of out[s, s+k) as they travel: a view of out (fp32), or its halves in this call's
    // encode buffer, at the same place (each value is encoded at most once per call).
    const bytesOf = (s: number, k: number): Uint8Array => {
      if (encoded === null) return new Uint8Array(out.buffer, out.byteOffset + s * 4, k * 4);
      const halves = encoded.subarray(s - at, s - at + k);
      this.halves!.encode(out.byteOffset + s * 4, halves.byteOffset, k);
      return new Uint8Array(halves.buffer, halves.byteOffset, k * 2);
    };
    // Decodes a chunk's bytes into `into` (a region of the kernel's memory: operand or output).
    const decode = (bytes: Uint8Array, into: Float32Array): boolean => {
      if (!this.halves || bytes.byteLength !== into.length * 2) return decodeChunk(bytes, this.wire, into);
      let at = bytes.byteOffset;
      if (bytes.buffer !== out.buffer) {
        this.staging!.set(bytes);
        at = this.staging!.byteOffset;
      }
      this.halves.decode(at, into.byteOffset, into.length);
      return true;
    };
    const expect = (chunk: Chunk, k: number, into: Float32Array) => {
      if (!decode(chunk.payload, into)) {
        throw new OutOfTurnError(`a gradient chunk of ${chunk.payload.byteLength} bytes where ${k} ${this.wire} values (${k * bytesPerValue(this.wire)} bytes) were expected`);
      }
    };
    // Reduce-scatter, hop 0: this host's partial of piece h.
    chunks(h).forEach(([s, k], c) => {
      if (encoded === null) return this.link.send([step, phase, 0, 0, c], new Uint8Array(source.buffer, source.byteOffset + s * 4, k * 4), own);
      ownValues(s, k);
      this.link.send([step, phase, 0, 0, c], bytesOf(s, k), own);
    });
    for (let t = 0; t < H - 1; t++) {
      const last = t === H - 2;
      const list = chunks(mod(h - t - 1));
      for (let c = 0; c < list.length; c++) {
        const [s, k] = list[c]!;
        const chunk = await this.link.receive([step, phase, 0, t, c]);
        if (!(Number.isInteger(chunk.samples) && chunk.samples > 0)) throw new OutOfTurnError(`a gradient chunk averaging ${chunk.samples} samples (a positive count is needed)`);
        expect(chunk, k, this.sum.a.subarray(0, k));
        this.link.release(chunk);
        const samples = chunk.samples + own;
        ownValues(s, k);
        this.sum.blend(chunk.samples / samples, own / samples, k, s);
        const bytes = bytesOf(s, k);
        if (!last) this.link.send([step, phase, 0, t + 1, c], bytes, samples);
        else {
          // Finished: keep exactly what the others will decode, and start it round.
          if (this.wire !== 'fp32') decode(bytes, out.subarray(s, s + k));
          this.link.send([step, phase, 1, 0, c], bytes, samples);
        }
      }
    }
    // All-gather: piece h-t arrives at hop t and is forwarded byte for byte, from where this rank
    // keeps it (the transport may reuse the received buffer at once): fp32 in the output itself,
    // bf16/fp16 in this call's encode buffer at the piece's place, then decoded into the output.
    // That place held this rank's partial of the piece, whose send has been received, since the
    // finished piece comes round only after the successor blended that partial in.
    for (let t = 0; t < H - 1; t++) {
      const list = chunks(mod(h - t));
      for (let c = 0; c < list.length; c++) {
        const [s, k] = list[c]!;
        const chunk = await this.link.receive([step, phase, 1, t, c]);
        let bytes: Uint8Array;
        if (encoded !== null && chunk.payload.byteLength === k * 2) {
          const kept = encoded.subarray(s - at, s - at + k);
          bytes = new Uint8Array(kept.buffer, kept.byteOffset, k * 2);
          bytes.set(chunk.payload);
          this.halves!.decode(bytes.byteOffset, out.byteOffset + s * 4, k);
        } else {
          expect(chunk, k, out.subarray(s, s + k));
          bytes = new Uint8Array(out.buffer, out.byteOffset + s * 4, k * 4);
        }
        this.link.release(chunk);
        if (t < H - 2) this.link.send([step, phase, 1, t + 1, c], bytes, chunk.samples);
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
    return this.turns!.stage(step, phase, stage, sampleCount);
  }

  /** Nothing from the coordinator is this plane's: the workers decide every turn among themselves. */
  deliver(m: Message): void {
    throw new OutOfTurnError(`${m.type} is not a message of the hierarchical plane (its workers decide the turns among themselves)`);
  }

  fail(error: Error): void {
    this.turns?.fail(error);
    this.link.fail(error);
  }

  close(): void {
    this.turns?.close();
    this.link.close();
    for (const p of this.peers) p?.close();
    this.own.close();
  }
}

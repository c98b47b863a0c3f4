// The worker's GradientReducer on the shared-memory plane: a reduce-scatter then an all-gather
// through the workers' segments; the workers tell each other directly when a stage is written
// (TURN, peer-turns.ts), so the coordinator is not on the path of any phase.
//
// One phase, rank r of N, gradient g_r of n floats split into N chunks (chunks.ts):
//   1. r writes g_r (all but its own chunk: nobody else reads that) into its segment and says
//      TURN 'grads' (with its sample count) to every peer. Once it holds every rank's TURN
//      'grads' it knows every rank's sample count.
//   2. r averages chunk r: Σ_q w_q·g_q[chunk r] in rank order, w_q = n_q / Σ n (float32, the
//      SIMD kernel: averaging/weighted-average.ts, the star's arithmetic too), reading the
//      peers' parts straight from their segments; it writes the result into its segment and
//      says TURN 'sums'.
//   3. Once every rank said TURN 'sums', r reads every other chunk's average from its owner's segment.
// Each chunk is computed once, by its owner, and copied by everyone else: replicas get the same
// bits. For small gradients one stage does instead (stages.ts): every rank writes its whole
// gradient, says TURN 'whole', and once all have, sums every rank's gradient itself, in rank order
// with the same kernel, so the same bits again, after 1 message hop instead of 2. Per rank that is (N-1)/N·n floats written and read twice, and n/N·(N-1) multiply-adds:
// the traffic of a ring all-reduce, at memory speed instead of socket speed, with 2 message
// hops per phase. Safe without double buffering: a rank writes its 'grads' region again only in
// a later phase round, which cannot start before every rank has said TURN 'sums' (so finished
// reading it), and its 'sums' region only after every rank's next TURN 'grads' (so every rank
// finished reading this round's sums). The single stage has no second turn, and a rank may
// start the next step before its peers finished reading (the coordinator sends STEPs ahead), so
// it alternates between the two regions by step parity.
import type { PhaseName } from '@dgm/core';
import type { Message, SharedStage } from '@dgm/protocol';
import type { PeerTurns } from './peer-turns.js';
import type { WorkerPlaneEnd } from '../api.js';
import { WeightedAverage } from '../averaging/weighted-average.js';
import { chunkOf, largestChunk } from './chunks.js';
import { SegmentError, type OwnSegment, type PeerSegment, type PhaseRegion, type SegmentLayout } from './segment.js';
import { sharedStages } from './stages.js';
import { stageId, TURN_SPIN_MS, TurnWords } from './turn-words.js';

/** Stages a peer's socket TURNs may lag the turn words before a rank waits on the sockets (PeerTurns.backlog). */
const MAX_BACKLOG = 16;

/** A stage this rank said, until every rank's count for it is heard. */
interface Said {
  step: number;
  phase: string;
  stage: SharedStage;
  sampleCount: number;
  /** Its id in the turn words (stageId). */
  id: number;
  /** The same stage's wait on the turn sockets. */
  turns: Promise<number[]>;
}


export class SharedMemoryReducer implements WorkerPlaneEnd {
  readonly name = 'shared';
  private readonly average: WeightedAverage;
  private unlinked = false;
  /** The stage turns in the segments, looked at first (the fast path). */
  private readonly words: TurnWords;
  /** The layout's phases in order: a stage's id counts them. */
  private readonly phaseNames: string[];

  constructor(
    private readonly rank: number,
    private readonly own: OwnSegment,
    /** Every rank's segment, by rank (this rank's entry is null: it writes its own). */
    private readonly peers: readonly (PeerSegment | null)[],
    private readonly layout: SegmentLayout,
    /** The stage turns, said to and heard from the peers directly. */
    private readonly turns: PeerTurns,
    /** How long a rank reads its peers' turn words before it waits on the turn sockets. */
    spinMs = TURN_SPIN_MS,
  ) {
    this.words = new TurnWords(rank, own, peers, layout.turnsOffset, spinMs);
    this.phaseNames = Object.keys(layout.phases).sort();
    const worldSize = peers.length;
    // Operands: a whole gradient (single stage) or a chunk; the output always holds a whole
    // gradient, so the two-stage result is assembled in place (own chunk computed at its offset,
    // the others read next to it) and handed out without a copy.
    const phases = Object.values(layout.phases);
    const operand = (size: number) => (sharedStages(size, worldSize).length === 1 ? size : largestChunk(size, worldSize));
    this.average = new WeightedAverage(Math.max(...phases.map((p) => operand(p.size))), Math.max(...phases.map((p) => p.size)));
  }

  /**
   * Averages one phase's gradient with every rank's. The returned array is valid until the next
   * reduce() (the Trainer copies it into tensors before that): it may be the kernel's memory.
   */
  async reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    // Before touching the segment: after a failure (coordinator gone, run stopped) it may be closed.
    if (this.turns.failed) throw this.turns.failed;
    const region = this.layout.phases[phase];
    if (!region || grads.length !== region.size) throw new SegmentError(`phase '${phase}' with ${grads.length} values is not in this segment layout`);
    const worldSize = this.peers.length;
    if (sharedStages(region.size, worldSize).length === 1) return this.reduceWhole(region, step, grads, sampleCount);
    const n = region.size;
    const [start, end] = chunkOf(n, worldSize, this.rank);
    const len = end - start;

    if (start > 0) this.own.write(grads.subarray(0, start), region.gradsOffset);
    if (end < n) this.own.write(grads.subarray(end), region.gradsOffset + end * 4);
    const written = this.say(step, phase, 'grads', sampleCount);
    const preloaded = this.preload(grads.subarray(start, end));
    const counts = await this.hear(written);
    this.forgetName();
    const result = this.average.out.subarray(0, n);
    if (len > 0) {
      this.average.compute(counts, len, start, (q, into) => {
        if (q === this.rank) {
          if (!preloaded) into.set(grads.subarray(start, end));
        } else this.peers[q]!.read(into, region.gradsOffset + start * 4);
      });
      this.own.write(result.subarray(start, end), region.sumsOffset + start * 4);
    }
    await this.hear(this.say(step, phase, 'sums', sampleCount));
    for (let q = 0; q < worldSize; q++) {
      if (q === this.rank) continue;
      const [qs, qe] = chunkOf(n, worldSize, q);
      if (qe > qs) this.peers[q]!.read(result.subarray(qs, qe), region.sumsOffset + qs * 4);
    }
    return result;
  }

  /** The single stage: every rank writes its whole gradient and sums everyone's itself. */
  private async reduceWhole(region: PhaseRegion, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    // Two buffers, by step parity (the single stage leaves the sums region free): with steps
    // sent ahead, a rank may write its next step's gradient while a slower peer still reads
    // this one; that peer's TURN of the next round proves it finished reading, and only then
    // is this buffer written again.
    const offset = step % 2 === 0 ? region.gradsOffset : region.sumsOffset;
    this.own.write(grads, offset);
    const written = this.say(step, region.phase, 'whole', sampleCount);
    const preloaded = this.preload(grads);
    const counts = await this.hear(written);
    this.forgetName();
    return this.average.compute(counts, region.size, 0, (q, into) => {
      if (q === this.rank) {
        if (!preloaded) into.set(grads);
      } else this.peers[q]!.read(into, offset);
    });
  }

  /**
   * Copies this rank's own operand into the kernel's memory while the other ranks are still
   * writing (the wait for their TURNs is otherwise idle): ranks 0 and 1 have a region of their own
   * in the first combine (a and b); later ranks share region a and load in turn.
   */
  private preload(own: Float32Array): boolean {
    if (this.rank > 1) return false;
    const { sum } = this.average;
    (this.rank === 0 ? sum.a : sum.b).subarray(0, own.length).set(own);
    return true;
  }

  /**
   * Every peer opened our segment before its first TURN: the name is no longer needed, and
   * without it the memory is freed by the kernel however this process ends.
   */
  private forgetName(): void {
    if (this.unlinked) return;
    this.own.unlink();
    this.unlinked = true;
  }

  /** Says this rank's part of a stage is in its segment: in the turn words, then on the sockets. */
  private say(step: number, phase: string, stage: SharedStage, sampleCount: number): Said {
    const id = stageId(step, this.phaseNames.indexOf(phase), this.phaseNames.length, stage);
    this.words.say(id, sampleCount);
    return { step, phase, stage, sampleCount, id, turns: this.turns.stage(step, phase, stage, sampleCount) };
  }

  /** Every rank's sample count for a stage said: from the turn words if they have it within the spin, else from the sockets. */
  private async hear(said: Said): Promise<number[]> {
    const counts = this.turns.failed || this.turns.backlog >= MAX_BACKLOG ? null : this.words.hear(said.id, said.sampleCount);
    if (counts === null) return said.turns;
    // Settled here, that wait has nobody left to tell if the turns fail later.
    said.turns.catch(() => undefined);
    this.turns.settle(said.step, said.phase, said.stage, counts);
    return counts;
  }

  /** Nothing from the coordinator is this plane's: the workers decide the turns among themselves. */
  deliver(m: Message): void {
    this.turns.deliver(m.type);
  }

  /** Rejects the waiting stage (if any) and every later reduce() with `error`. */
  fail(error: Error): void {
    this.turns.fail(error);
  }

  /** Closes the peers' segments and this rank's own. */
  close(): void {
    this.turns.close();
    for (const p of this.peers) p?.close();
    this.own.close();
  }
}

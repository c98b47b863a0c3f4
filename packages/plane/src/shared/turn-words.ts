// The shared-memory plane's fast path for its stage turns. Beside saying TURN on its socket
// (peer-turns.ts), a rank writes the stage into its own segment: its sample count, then the
// stage's id (from its step, phase and stage: stageId()). A rank about to wait for a stage reads
// its peers' ids first, and keeps reading them for a short while (the spin) before it falls back
// to the socket. Why: a TURN on the socket reaches a rank only through its event loop (~70 µs
// between the write and the wake-up here, even when the TURN came in long before), and a rank
// asleep in that loop lets its CPU halt, which on a virtual machine costs about 0.1 ms to wake
// (per phase, on the path of every step; BENCHMARKS.md "Per-step overhead: the turn words"). The
// socket TURNs are still said, always: they wake a rank that gave up spinning, and a stage found
// here is settled with PeerTurns so its socket TURNs are expected, not dropped.
//
// Order: the gradient, then the count, then the id, each one write; a reader that reads the id
// it expects then reads the count, then the gradient. Each write is a syscall into the page cache
// that completes before the next begins (and the page lock's release/acquire between them orders
// them on weakly ordered CPUs too), and each read depends on the value the previous one returned,
// so a reader that sees the id sees what was written before it. A reader may see a torn id while
// it is being written, but a torn value is never the one it expects: every byte that differs from
// the old value must be the new one for it to match.
//
// The words have two slots, by the parity of the stage's ordinal (the how-many-th stage this
// reducer says; the same on every rank, since every rank goes through the same stages in the same
// order and an elastic run's ABORT ends the reducer), each with an id and a count: a rank can be
// one stage ahead of a peer that has not yet read its word for a stage (it needs that peer's word
// for the stage after to go further), so it writes the other slot, and the peer still finds the
// stage it looks for. With one slot the rank ahead overwrote the id, and a peer that had not looked
// in time (descheduled for a moment) spun out its whole spin and fell back to the sockets: 2 ms
// lost whenever one small phase follows another with little work between (BENCHMARKS.md,
// "Every call after a barrier"). Should ranks ever disagree on the stage, the ids differ and the
// sockets decide, as before (their waits name who is silent).
import type { OwnSegment, PeerSegment } from './segment.js';

/**
 * How long a rank reads the turn words before it waits on the sockets. 2 ms against 1 and 0.3: the
 * 2-worker overhead bench, side by side (BENCHMARKS.md). Only when every rank of the host can have
 * a core of its own (turnSpinMs): a rank spinning on a shared core takes it from one computing.
 */
export const TURN_SPIN_MS = 2;

/**
 * The spin for `localRanks` ranks on a host where a rank may use `cores` cores (cpu-budget.ts:
 * its CPU affinity and its cgroup's CPU quota, possibly fractional): TURN_SPIN_MS if each has a
 * core, else one look.
 */
export function turnSpinMs(localRanks: number, cores: number): number {
  return localRanks <= cores ? TURN_SPIN_MS : 0;
}

/** Byte offsets inside the turn words' region: slot p (0 or 1) holds an id, then a count. */
const SLOT_BYTES = 8;
const ID_AT = 0;
const COUNT_AT = 4;

/** Stage kinds in the id: a phase has 'grads' then 'sums', or 'whole' alone. */
const STAGE_INDEX = { grads: 0, sums: 1, whole: 2 } as const;

/**
 * The id of a stage, from 1 to 2^32 - 1 (0 is a fresh segment's): distinct for every stage within
 * 2^32 / (3 · phases) steps, far more than ranks can ever be apart.
 */
export function stageId(step: number, phaseIndex: number, phases: number, stage: keyof typeof STAGE_INDEX): number {
  return (((step * phases + phaseIndex) * 3 + STAGE_INDEX[stage]) % 0xffffffff) + 1;
}

export class TurnWords {
  private ordinal = 0;
  private readonly word = new Uint32Array(1);
  /** Peers whose id for the stage being heard has not been seen yet. */
  private readonly pending: boolean[];

  constructor(
    private readonly rank: number,
    private readonly own: OwnSegment,
    /** Every rank's segment, by rank (this rank's entry is null). */
    private readonly peers: readonly (PeerSegment | null)[],
    /** Byte offset of the region in every segment (SegmentLayout.turnsOffset). */
    private readonly offset: number,
    /** How long hear() keeps reading before it gives up (0: one look). */
    private readonly spinMs: number,
  ) {
    this.pending = peers.map(() => false);
  }

  /** Publishes this rank's part of stage `id` (already written) with its sample count. */
  say(id: number, sampleCount: number): void {
    this.ordinal++;
    const slot = this.slot();
    this.word[0] = sampleCount;
    this.own.write(this.word, slot + COUNT_AT);
    this.word[0] = id;
    this.own.write(this.word, slot + ID_AT);
  }

  /**
   * Every rank's sample count for stage `id`, the one said last (this rank's `ownCount` at its
   * place), once every peer has published it, reading for at most the spin; null if some peer had
   * not by then.
   */
  hear(id: number, ownCount: number): number[] | null {
    const deadline = performance.now() + this.spinMs;
    const slot = this.slot();
    let missing = 0;
    for (let q = 0; q < this.peers.length; q++) {
      this.pending[q] = this.peers[q] !== null;
      if (this.pending[q]) missing++;
    }
    for (;;) {
      for (let q = 0; q < this.peers.length; q++) {
        if (!this.pending[q]) continue;
        this.peers[q]!.read(this.word, slot + ID_AT);
        if (this.word[0] === id) {
          this.pending[q] = false;
          missing--;
        }
      }
      if (missing === 0) break;
      if (performance.now() >= deadline) return null;
    }
    const counts = new Array<number>(this.peers.length);
    for (let q = 0; q < this.peers.length; q++) {
      if (q === this.rank) {
        counts[q] = ownCount;
        continue;
      }
      this.peers[q]!.read(this.word, slot + COUNT_AT);
      // Not a count a TURN may carry (the codec's lower bound): the socket's TURN, validated, decides.
      if (this.word[0]! < 1) return null;
      counts[q] = this.word[0]!;
    }
    return counts;
  }

  /** Where the words of the stage said last are, in every segment. */
  private slot(): number {
    return this.offset + SLOT_BYTES * (this.ordinal % 2);
  }
}

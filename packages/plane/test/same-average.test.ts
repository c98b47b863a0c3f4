// One definition of the average for every plane: the star (its coordinator end, StarRound) and
// the shared-memory plane (N SharedMemoryReducers on real /dev/shm segments, taking their turns
// over their real sockets) give bit-identical averaged gradients for the same inputs, so a run's weights do
// not depend on which plane `auto` chose.
import { describe, expect, it } from 'vitest';
import type { ReducedMessage } from '@dgm/protocol';
import type { CoordinatorPlaneContext, PlaneMember } from '../src/api.js';
import { OwnSegment, PeerSegment, PeerTurns, segmentLayout, sharedMemoryId, SharedMemoryReducer, sharedStages, StarRound } from '../src/bench.js';
import { SINGLE_STAGE_BYTES } from '../src/shared/stages.js';

/** Gradient-like values: signed, of magnitudes from 1e-8 to 1e2, with exact zeros and negative zeros. */
function gradient(seed: number, size: number): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
  return Float32Array.from({ length: size }, () => {
    const u = next();
    if (u < 0.01) return u < 0.005 ? 0 : -0;
    return (next() < 0.5 ? -1 : 1) * 10 ** (-8 + 10 * next()) * (1 + u);
  });
}

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function members(world: number): PlaneMember[] {
  return Array.from({ length: world }, (_, rank) => ({ rank, pid: rank, host: 'h', shm: null }));
}

/** The star: every rank's GRADS into StarRound; the REDUCED it sends. */
function starAverage(phase: string, grads: Float32Array[], counts: number[]): Float32Array {
  const ms = members(grads.length);
  let reduced: ReducedMessage | null = null;
  const ctx: CoordinatorPlaneContext<PlaneMember> = {
    run: 'run',
    gradSizes: { [phase]: grads[0]!.length },
    members: () => ms,
    send: async (_t, m) => void (reduced ??= m as ReducedMessage),
    lost: () => undefined,
    dropped: (_m, reason) => {
      throw new Error(reason);
    },
  };
  const round = new StarRound(ctx);
  round.begin(0);
  // Arrival order is not rank order: the result must not depend on it.
  for (const q of [...ms.keys()].reverse()) round.onMessage(ms[q]!, { type: 'GRADS', run: 'run', step: 0, phase, sampleCount: counts[q]!, grads: grads[q]! });
  return Float32Array.from(reduced!.grads);
}

/** The shared plane: N reducers on real segments, telling each other their turns over their real sockets. */
async function sharedAverage(phase: string, grads: Float32Array[], counts: number[]): Promise<Float32Array[]> {
  const world = grads.length;
  const layout = segmentLayout({ [phase]: grads[0]!.length });
  const owns = Array.from({ length: world }, () => OwnSegment.create(layout.bytes)!);
  const reducers: SharedMemoryReducer[] = [];
  for (let rank = 0; rank < world; rank++) {
    const peers = owns.map((o, q) => (q === rank ? null : PeerSegment.open(o.path, layout.bytes, q)));
    const turns = new PeerTurns('run', rank, owns.map((o) => o.path), { run: 'run', gradSizes: { [phase]: grads[0]!.length } }, 5000, (reason) => {
      throw new Error(reason);
    });
    reducers.push(new SharedMemoryReducer(rank, owns[rank]!, peers, layout, turns));
  }
  try {
    const results = await Promise.all(reducers.map((r, rank) => r.reduce(phase as 'd', 0, grads[rank]!, counts[rank]!)));
    return results.map((r) => Float32Array.from(r));
  } finally {
    reducers.forEach((r) => r.close());
    owns.forEach((o) => o.close());
  }
}

describe.runIf(sharedMemoryId() !== null)('the star and the shared-memory plane average alike', () => {
  for (const world of [2, 3, 4]) {
    const large = Math.ceil(SINGLE_STAGE_BYTES / 4 / (world - 1)) + 37;
    for (const [what, size] of [['below', 1001], ['above', large]] as const) {
      it(`${world} ranks, uneven sample counts, ${size} floats (${what} the one-stage threshold): the same bits`, async () => {
        expect(sharedStages(size, world)).toEqual(what === 'below' ? ['whole'] : ['grads', 'sums']);
        const counts = [7, 3, 12, 5].slice(0, world);
        const grads = counts.map((_, q) => gradient(world * 100 + q, size));
        const star = starAverage('d', grads, counts);
        const shared = await sharedAverage('d', grads, counts);
        for (const s of shared) expect(bytesOf(s).equals(bytesOf(star))).toBe(true);
        // And it is the sample-weighted mean (within float32 rounding).
        const total = counts.reduce((a, c) => a + c, 0);
        for (let i = 0; i < size; i += 997) {
          const exact = counts.reduce((a, c, q) => a + c * grads[q]![i]!, 0) / total;
          expect(Math.abs(star[i]! - exact)).toBeLessThanOrEqual(1e-6 * Math.max(...grads.map((g) => Math.abs(g[i]!))) + 1e-30);
        }
      });
    }
  }

  it('with one rank the star hands back its gradient exactly', () => {
    const g = gradient(1, 1001);
    expect(bytesOf(starAverage('d', [g], [9])).equals(bytesOf(g))).toBe(true);
  });
});

// The star's coordinator end alone (the wire and real processes are exercised by the
// coordinator's process tests): it averages GRADS into one REDUCED for every rank, and drops and
// reports what breaks its protocol. (The other planes' coordinator end, NoTurns, receives nothing.)
import { describe, expect, it } from 'vitest';
import type { Message, ReducedMessage } from '@dgm/protocol';
import type { CoordinatorPlaneContext, PlaneMember } from '../src/api.js';
import { StarRound } from '../src/bench.js';

const member = (rank: number): PlaneMember => ({ rank, pid: rank, host: 'h', shm: null });

function context(members: PlaneMember[], gradSizes: Record<string, number>) {
  const sent: { rank: number; m: Message }[] = [];
  const drops: string[] = [];
  const ctx: CoordinatorPlaneContext<PlaneMember> = {
    run: 'run',
    gradSizes,
    members: () => members,
    send: async (t, m) => void sent.push({ rank: t.rank, m }),
    lost: (m, what, error) => drops.push(`lost ${m.rank}: ${what}: ${error.message}`),
    dropped: (_m, reason) => drops.push(reason),
  };
  return { ctx, sent, drops };
}

describe('StarRound', () => {
  it('sends one averaged buffer to every rank and drops duplicate GRADS, also after the phase completed', () => {
    const members = [member(0), member(1)];
    const { ctx, sent, drops } = context(members, { d: 3, g: 2 });
    const x = new StarRound(ctx);
    const grads = (rank: number, phase: string, sampleCount: number, values: number[], step = 3) =>
      x.onMessage(members[rank]!, { type: 'GRADS', run: 'run', step, phase, sampleCount, grads: Float32Array.from(values) });
    grads(0, 'd', 1, [0, 0, 0]);
    expect(drops.pop()).toBe('GRADS for step 3 while no step is running');
    x.begin(3);
    grads(1, 'd', 1, [4, 0, -1], 2);
    expect(drops.pop()).toBe('GRADS for step 2 while step 3 is running');
    const reduced = () => sent.filter((s) => s.m.type === 'REDUCED').map((s) => ({ rank: s.rank, m: s.m as ReducedMessage }));
    grads(1, 'd', 1, [4, 0, -1]);
    grads(1, 'd', 1, [9, 9, 9]);
    expect(drops).toEqual(["a second GRADS for phase 'd' of step 3"]);
    grads(0, 'g', 1, [1, 1]);
    expect(drops[1]).toBe("GRADS for phase 'g' while phase 'd' of step 3 is still being averaged");
    expect(reduced()).toHaveLength(0);
    grads(0, 'd', 3, [0, 2, 1]);
    const out = reduced();
    expect(out.map((s) => s.rank)).toEqual([0, 1]);
    expect(out[0]!.m.grads).toBe(out[1]!.m.grads); // the same bytes for every replica
    expect(Array.from(out[0]!.m.grads)).toEqual([1, 1.5, 0.5]); // (3·g0 + 1·g1) / 4
    grads(1, 'd', 1, [4, 0, -1]); // late duplicate: must not start a new round of 'd'
    expect(drops[2]).toBe("GRADS for phase 'd' of step 3, which was already averaged");
    grads(0, 'g', 1, [1, 1]);
    grads(1, 'g', 1, [3, 5]);
    expect(Array.from(reduced()[3]!.m.grads)).toEqual([2, 3]);
    expect(x.phases).toEqual(['d', 'g']);
    x.onMessage(members[0]!, { type: 'TURN', run: 'run', rank: 0, step: 3, phase: 'd', stage: 'whole', sampleCount: 1 });
    expect(drops.pop()).toBe('TURN is not a message of the star plane');
    x.reset();
    expect(x.phases).toEqual([]);
  });
});

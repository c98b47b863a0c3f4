// The step exchange alone (the wire and real processes are exercised by the process tests):
// GRADS in, one sample-weighted average out to every rank, duplicates dropped and reported.
import { describe, expect, it } from 'vitest';
import type { Message, ReducedMessage } from '@dgm/protocol';
import type { Member } from '../src/index.js';
import { StepExchange } from '../src/index.js';

const member = (rank: number): Member => ({ rank, peer: { id: Buffer.from([rank]), key: String(rank) }, pid: rank, host: 'h', backend: '', device: '', lastHeard: Date.now() });

describe('StepExchange', () => {
  it('sends one averaged buffer to every rank and drops duplicate GRADS, also after the phase completed', async () => {
    const members = [member(0), member(1)];
    const sent: { rank: number; m: Message }[] = [];
    const drops: string[] = [];
    const x = new StepExchange('run', { d: 3, g: 2 }, () => members, async (t, m) => void sent.push({ rank: t.rank, m }), 5000, (_m, reason) => drops.push(reason));
    const outcome = x.run(3, 0, [new Int32Array(0), new Int32Array(0)]);
    const grads = (rank: number, phase: string, sampleCount: number, values: number[]) =>
      x.onGrads(members[rank]!, { type: 'GRADS', run: 'run', step: 3, phase, sampleCount, grads: Float32Array.from(values) });
    const reduced = () => sent.filter((s) => s.m.type === 'REDUCED').map((s) => ({ rank: s.rank, m: s.m as ReducedMessage }));
    grads(1, 'd', 1, [4, 0, -1]);
    grads(1, 'd', 1, [9, 9, 9]);
    expect(drops).toEqual(["a second GRADS for phase 'd' of step 3"]);
    expect(reduced()).toHaveLength(0);
    grads(0, 'd', 3, [0, 2, 1]);
    const out = reduced();
    expect(out.map((s) => s.rank)).toEqual([0, 1]);
    expect(out[0]!.m.grads).toBe(out[1]!.m.grads); // the same bytes for every replica
    expect(Array.from(out[0]!.m.grads)).toEqual([1, 1.5, 0.5]); // (3·g0 + 1·g1) / 4
    grads(1, 'd', 1, [4, 0, -1]); // late duplicate: must not start a new round of 'd'
    expect(drops[1]).toBe("GRADS for phase 'd' of step 3, which was already averaged");
    grads(0, 'g', 1, [1, 1]);
    grads(1, 'g', 1, [3, 5]);
    expect(Array.from(reduced()[3]!.m.grads)).toEqual([2, 3]);
    for (const rank of [0, 1]) x.onDone(members[rank]!, { type: 'DONE', run: 'run', step: 3, error: null, sampleCount: 4, losses: {}, computeMs: 0, reduceMs: 0 });
    expect((await outcome).phases).toEqual(['d', 'g']);
  });
});

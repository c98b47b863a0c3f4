// The step exchange alone (the wire and real processes are exercised by the process tests):
// GRADS in, one sample-weighted average out to every rank, duplicates dropped and reported.
import { describe, expect, it } from 'vitest';
import type { Message, ProceedMessage, ReducedMessage } from '@dgm/protocol';
import type { Member } from '../src/index.js';
import { StepExchange } from '../src/index.js';

const member = (rank: number): Member => ({ rank, peer: { id: Buffer.from([rank]), key: String(rank) }, pid: rank, host: 'h', backend: '', device: '', shm: null, lastHeard: Date.now() });

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

  it('on the shared-memory plane turns every rank\'s WRITTEN of a stage into one PROCEED, stage by stage', async () => {
    const members = [member(0), member(1), member(2)];
    const sent: { rank: number; m: Message }[] = [];
    const drops: string[] = [];
    // d is large enough for two stages among 3 ranks (protocol's sharedStages), g takes one.
    const x = new StepExchange('run', { d: 1 << 20, g: 2 }, () => members, async (t, m) => void sent.push({ rank: t.rank, m }), 5000, (_m, reason) => drops.push(reason));
    x.useSharedPlane();
    const outcome = x.run(5, 0, members.map(() => new Int32Array(0)));
    const written = (rank: number, phase: string, stage: 'grads' | 'sums' | 'whole', sampleCount = rank + 1) =>
      x.onWritten(members[rank]!, { type: 'WRITTEN', run: 'run', step: 5, phase, stage, sampleCount });
    const proceeds = () => sent.filter((s) => s.m.type === 'PROCEED').map((s) => s.m as ProceedMessage);
    x.onGrads(members[0]!, { type: 'GRADS', run: 'run', step: 5, phase: 'd', sampleCount: 1, grads: new Float32Array(3) });
    expect(drops.pop()).toBe('GRADS while gradients are averaged through shared memory');
    written(0, 'd', 'sums');
    expect(drops.pop()).toBe("WRITTEN 'sums' while stage 'grads' of phase 'd' is collected");
    written(2, 'd', 'grads');
    written(0, 'd', 'grads');
    written(0, 'd', 'grads');
    expect(drops.pop()).toBe("a second WRITTEN 'grads' for phase 'd' of step 5");
    written(1, 'g', 'grads');
    expect(drops.pop()).toBe("WRITTEN for phase 'g' while phase 'd' of step 5 is still being averaged");
    expect(proceeds()).toHaveLength(0);
    written(1, 'd', 'grads');
    expect(proceeds()).toHaveLength(3); // one to each rank
    expect(proceeds()[0]).toMatchObject({ step: 5, phase: 'd', stage: 'grads', counts: [1, 2, 3] });
    for (const rank of [1, 0, 2]) written(rank, 'd', 'sums', 99);
    expect(proceeds()[3]).toMatchObject({ phase: 'd', stage: 'sums', counts: [1, 2, 3] });
    written(2, 'd', 'grads');
    expect(drops.pop()).toBe("WRITTEN for phase 'd' of step 5, which was already averaged");
    written(0, 'g', 'grads');
    expect(drops.pop()).toBe("WRITTEN 'grads' while stage 'whole' of phase 'g' is collected");
    for (const rank of [0, 1, 2]) written(rank, 'g', 'whole');
    expect(proceeds().map((p) => `${p.phase}:${p.stage}`)).toEqual([...Array(3).fill('d:grads'), ...Array(3).fill('d:sums'), ...Array(3).fill('g:whole')]);
    for (const m of members) x.onDone(m, { type: 'DONE', run: 'run', step: 5, error: null, sampleCount: 1, losses: {}, computeMs: 0, reduceMs: 0 });
    expect((await outcome).phases).toEqual(['d', 'g']);
    expect(drops).toEqual([]);
  });
});

// The step exchange alone (the wire and real processes are exercised by the process tests):
// STEP out to every rank, the data plane's phases in between, every rank's DONE in; a step
// that does not finish in time, a failed step and out-of-step DONEs.
import { describe, expect, it } from 'vitest';
import { PLANES } from '@dgm/plane';
import type { DoneMessage, Message, ReducedMessage } from '@dgm/protocol';
import { StepExchange, type Member } from '../src/bench.js';

const member = (rank: number): Member => ({ rank, peer: { id: Buffer.from([rank]), key: String(rank) }, pid: rank, host: 'h', backend: '', device: '', shm: null, lastHeard: Date.now() });
const done = (step: number, error: string | null = null): DoneMessage => ({ type: 'DONE', run: 'run', step, error, sampleCount: 2, losses: {}, computeMs: 0, reduceMs: 0 });

function exchange(members: Member[], stepTimeoutMs = 5000) {
  const sent: { rank: number; m: Message }[] = [];
  const drops: string[] = [];
  const send = async (t: Member, m: Message) => void sent.push({ rank: t.rank, m });
  const dropped = (_m: Member, reason: string) => void drops.push(reason);
  const plane = PLANES.star.coordinatorEnd<Member>({ run: 'run', gradSizes: { d: 2 }, members: () => members, send, lost: () => undefined, dropped });
  return { x: new StepExchange('run', () => members, send, stepTimeoutMs, dropped, plane), plane, sent, drops };
}

describe('StepExchange', () => {
  it('sends each rank its slice, lets the plane average, and resolves with every DONE and the phases', async () => {
    const members = [member(0), member(1)];
    const { x, plane, sent, drops } = exchange(members);
    const outcome = x.run(3, 1, [Int32Array.of(0, 1), Int32Array.of(2, 3)]);
    await Promise.resolve();
    expect(sent.map((s) => [s.rank, s.m.type, (s.m as { indices: Int32Array }).indices[0]])).toEqual([[0, 'STEP', 0], [1, 'STEP', 2]]);
    for (const rank of [0, 1]) plane.onMessage(members[rank]!, { type: 'GRADS', run: 'run', step: 3, phase: 'd', sampleCount: 2, grads: Float32Array.of(rank, 1) });
    expect(Array.from((sent.at(-1)!.m as ReducedMessage).grads)).toEqual([0.5, 1]);
    x.onDone(members[0]!, done(2));
    expect(drops).toEqual(['DONE for step 2 while step 3 is running']);
    x.onDone(members[1]!, done(3));
    x.onDone(members[0]!, done(3));
    const result = await outcome;
    expect(result.phases).toEqual(['d']);
    expect(result.done.map((d) => d.step)).toEqual([3, 3]);
    expect(plane.phases).toEqual([]); // the plane's round was reset for the next step
    x.onDone(members[0]!, done(3));
    expect(drops[1]).toBe('DONE for step 3 while no step is running');
  });

  it('sends the next STEP ahead: the plane takes that step at the first DONE of the one before, and each step resolves with its own DONEs', async () => {
    const members = [member(0), member(1)];
    const { x, plane, sent, drops } = exchange(members);
    const slices = [Int32Array.of(0), Int32Array.of(1)];
    const grads = (step: number, rank: number) => plane.onMessage(members[rank]!, { type: 'GRADS', run: 'run', step, phase: 'd', sampleCount: 2, grads: Float32Array.of(rank, step) });
    await x.start(4, 0, slices);
    await x.start(5, 0, slices); // ahead: STEP 5 goes out while step 4 is collected
    await expect(x.start(6, 0, slices)).rejects.toThrow('step 6 started while steps 4 and 5 are running');
    expect(sent.map((s) => `${s.m.type} ${(s.m as { step: number }).step}`)).toEqual(['STEP 4', 'STEP 4', 'STEP 5', 'STEP 5']);
    expect(x.started(5)).toBe(true);
    const reducedNow = () => sent.filter((s) => s.m.type === 'REDUCED').map((s) => Array.from((s.m as ReducedMessage).grads));
    for (const rank of [0, 1]) grads(4, rank);
    expect(reducedNow()).toEqual([[0.5, 4], [0.5, 4]]);
    x.onDone(members[1]!, done(4)); // rank 1 finished step 4 first and goes on with step 5 at once
    grads(5, 1);
    x.onDone(members[0]!, done(4));
    grads(5, 0);
    const four = await x.wait(4);
    expect(four.phases).toEqual(['d']);
    expect(four.done.map((d) => d.step)).toEqual([4, 4]);
    expect(reducedNow()).toHaveLength(4); // step 5's round was averaged too: its GRADS were not dropped
    expect(reducedNow()[3]).toEqual([0.5, 5]);
    x.onDone(members[0]!, done(5));
    x.onDone(members[1]!, done(5));
    expect((await x.wait(5)).phases).toEqual(['d']);
    expect(x.started(5)).toBe(false);
    expect(drops).toEqual([]);
  });

  it('a failed step ends the step sent ahead of it too', async () => {
    const members = [member(0), member(1)];
    const { x } = exchange(members);
    await x.start(0, 0, [new Int32Array(0), new Int32Array(0)]);
    await x.start(1, 0, [new Int32Array(0), new Int32Array(0)]);
    x.onDone(members[0]!, done(0, 'NaN loss'));
    await expect(x.wait(0)).rejects.toThrow('rank 0 (pid 0 on h) failed at step 0: NaN loss');
    await expect(x.wait(1)).rejects.toThrow('rank 0 (pid 0 on h) failed at step 0: NaN loss');
  });

  it('names the ranks that did not answer in time, and the rank whose step failed', async () => {
    const members = [member(0), member(1)];
    const { x } = exchange(members, 50);
    const late = x.run(0, 0, [new Int32Array(0), new Int32Array(0)]);
    x.onDone(members[0]!, done(0));
    await expect(late).rejects.toThrow(/step 0 did not finish within 50 ms: no answer from rank 1 \(pid 1 on h, last heard \d+ ms ago\)\./);
    const failed = x.run(1, 0, [new Int32Array(0), new Int32Array(0)]);
    x.onDone(members[1]!, done(1, 'out of memory'));
    await expect(failed).rejects.toThrow('rank 1 (pid 1 on h) failed at step 1: out of memory');
  });
});

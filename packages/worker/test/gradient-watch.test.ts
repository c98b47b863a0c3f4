// The worker's watch on its own gradients (every plane's reduce passes it): which phases were
// non-finite before the reduce, for DONE to name the rank; and the test hook that poisons them.
import { describe, expect, it } from 'vitest';
import { isInputError } from '@dgm/core/errors';
import type { GradientReducer, PhaseName } from '@dgm/core';
import { GradientWatch, testKillOf, testPoisonOf, testStallOf } from '../src/gradient-watch.js';

class Recorder implements GradientReducer {
  seen: Array<[PhaseName, number, number]> = [];
  async reduce(phase: PhaseName, step: number, grads: Float32Array): Promise<Float32Array> {
    this.seen.push([phase, step, grads[0]!]);
    return grads;
  }
}

describe('GradientWatch', () => {
  it('names the phases whose own gradient was non-finite, and passes every gradient on', async () => {
    const inner = new Recorder();
    const watch = new GradientWatch(inner, null);
    await watch.reduce('d', 0, Float32Array.of(1, Infinity), 2);
    await watch.reduce('g', 0, Float32Array.of(2, 3), 2);
    expect(watch.take()).toEqual(['d']);
    expect(watch.take()).toEqual([]);
    expect(inner.seen).toEqual([['d', 0, 1], ['g', 0, 2]]);
  });

  it('poisons only its own rank at the listed steps (DGM_TEST_POISON_STEPS)', async () => {
    const poison = testPoisonOf({ DGM_TEST_POISON_STEPS: '1:3,7' });
    expect(poison).toEqual({ rank: 1, steps: new Set([3, 7]) });
    const inner = new Recorder();
    const rank0 = new GradientWatch(inner, poison);
    const rank1 = new GradientWatch(inner, poison);
    rank0.rank = 0;
    rank1.rank = 1;
    for (const step of [2, 3]) for (const w of [rank0, rank1]) await w.reduce('vae', step, Float32Array.of(1), 1);
    expect(rank0.take()).toEqual([]);
    expect(rank1.take()).toEqual(['vae']);
    expect(inner.seen.map(([, step, v]) => [step, v])).toEqual([[2, 1], [2, 1], [3, 1], [3, NaN]]);
    expect(testPoisonOf({ DGM_TEST_POISON_STEPS: '0:*' })).toEqual({ rank: 0, steps: null });
    expect(testPoisonOf({})).toBeNull();
  });

  it('says in one sentence what the hook allows', () => {
    for (const bad of ['3', '1:', '1:a', 'x:1', '1:2,,3', '-1:2']) {
      let error: unknown;
      try {
        testPoisonOf({ DGM_TEST_POISON_STEPS: bad });
      } catch (e) {
        error = e;
      }
      expect(isInputError(error), bad).toBe(true);
      expect((error as Error).message).toBe(`DGM_TEST_POISON_STEPS (a test hook) must be RANK:STEPS, STEPS a comma list of step numbers or *, e.g. 1:3,7; got '${bad}'.`);
    }
  });

  it('reads DGM_TEST_KILL_AT (RANK:STEP:PHASE) and says in one sentence what it allows', () => {
    expect(testKillOf({ DGM_TEST_KILL_AT: '1:6:g' })).toEqual({ rank: 1, step: 6, phase: 'g' });
    expect(testKillOf({})).toBeNull();
    for (const bad of ['1:6', '1:6:', 'a:6:g', '1:x:g', '1:6:G']) {
      let error: unknown;
      try {
        testKillOf({ DGM_TEST_KILL_AT: bad });
      } catch (e) {
        error = e;
      }
      expect(isInputError(error), bad).toBe(true);
      expect((error as Error).message).toBe(`DGM_TEST_KILL_AT (a test hook) must be RANK:STEP:PHASE, e.g. 1:5:g; got '${bad}'.`);
    }
    // DGM_TEST_STALL_AT reads the same way.
    expect(testStallOf({ DGM_TEST_STALL_AT: '2:5:g' })).toEqual({ rank: 2, step: 5, phase: 'g' });
    expect(() => testStallOf({ DGM_TEST_STALL_AT: '2:5' })).toThrow("DGM_TEST_STALL_AT (a test hook) must be RANK:STEP:PHASE, e.g. 1:5:g; got '2:5'.");
  });

  it('DGM_TEST_STALL_AT holds the average of its point unapplied until the step is broken off', async () => {
    const averaged = { reduce: async (_p: string, _s: number, g: Float32Array) => g };
    const watch = new GradientWatch(averaged, null, null, { rank: 0, step: 2, phase: 'd' });
    watch.rank = 0;
    await expect(watch.reduce('d', 1, new Float32Array(2), 1)).resolves.toHaveLength(2);
    const held = watch.reduce('d', 2, new Float32Array(2), 1);
    let settled = false;
    held.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    watch.breakOff();
    await expect(held).rejects.toThrow(/broken off by the coordinator/);
  });
});

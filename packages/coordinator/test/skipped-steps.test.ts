// What the coordinator makes of the workers' word on a poisoned step: the warning, the metrics
// fields and the count against --max-skipped-steps; replicas that skipped differently stop the run.
import { describe, expect, it } from 'vitest';
import type { DoneMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import type { Member } from '../src/membership.js';
import { ReplicaMismatchError, RunStoppedError } from '../src/errors.js';
import { SkippedSteps } from '../src/skipped-steps.js';

const member = (rank: number): Member => ({ rank, peer: { id: Buffer.from([rank]), key: String(rank) }, pid: 100 + rank, host: `host${rank}`, backend: '', device: '', shm: null, lastHeard: Date.now() });
const done = (skipped: string[], nonFinite: string[] = []): DoneMessage => ({ type: 'DONE', run: 'r', step: 0, error: null, sampleCount: 2, losses: {}, computeMs: 0, reduceMs: 0, skipped, nonFinite });

function skips(max: number) {
  const warnings: string[] = [];
  const log = { warn: (message: string) => warnings.push(message) } as unknown as Logger;
  return { s: new SkippedSteps(max, log), warnings };
}

describe('SkippedSteps', () => {
  const members = [member(0), member(1), member(2)];

  it('a step applied whole adds nothing; a poisoned one names its ranks and hosts, once', () => {
    const { s, warnings } = skips(1);
    expect(s.read(0, [done([]), done([]), done([])], members)).toEqual({});
    expect(s.read(4, [done(['d']), done(['d'], ['d']), done(['d'], ['d'])], members)).toEqual({ skipped: ['d'], nonFiniteRanks: [1, 2], skippedSteps: 1 });
    expect(warnings).toEqual([
      'step 5 skipped on every replica (phase d not applied): a non-finite gradient (NaN or Infinity) from rank 1 (pid 101 on host1, phase d), rank 2 (pid 102 on host2, phase d); 1 skipped of at most 1',
    ]);
    expect(s.overLimit).toBeNull();
  });

  it('a non-finite average with every rank finite (an overflow) is skipped and said so; past the limit the run stops', () => {
    const { s, warnings } = skips(0);
    expect(s.read(2, [done(['g']), done(['g']), done(['g'])], members)).toEqual({ skipped: ['g'], nonFiniteRanks: [], skippedSteps: 1 });
    expect(warnings[0]).toMatch(/^step 3 skipped on every replica \(phase g not applied\): a non-finite average although every rank's own gradient was finite/);
    const error = s.stopError(3, '/runs/x/checkpoints/step-000003');
    expect(error).toBeInstanceOf(RunStoppedError);
    expect(error?.message).toBe('1 step was skipped for non-finite gradients, more than --max-skipped-steps 0 allows (the last at step 3, an overflow while averaging), so the run stopped after 3 steps with its checkpoint /runs/x/checkpoints/step-000003; lower --lr or check the data.');
  });

  it('replicas that skipped different phases no longer agree: the run stops', () => {
    const { s } = skips(10);
    expect(() => s.read(1, [done(['d']), done([]), done(['d'])], members)).toThrow(ReplicaMismatchError);
    expect(() => s.read(1, [done(['d']), done([]), done(['d'])], members)).toThrow(/at step 2 rank 0 skipped phases \[d\] but rank 1 \(pid 101 on host1\) skipped \[\]/);
  });
});

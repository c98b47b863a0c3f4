// Poisoned steps through the real CLI: a worker whose gradients turn NaN (the test hook
// DGM_TEST_POISON_STEPS, read by every worker, acted on by the named rank) never poisons the
// replicas. Each such step is skipped on every replica with a warning naming the rank, and
// counted in metrics.jsonl; the run ends with finite weights that every replica agrees on and
// with exactly the applied steps in Adam's iteration count. A run that poisons every step stops
// past --max-skipped-steps with a checkpoint, one sentence and exit code 1. Both data planes
// that run on one host: shared memory (the first run) and the star (the second).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDgm } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-poisoned-'));
let sometimes: Awaited<ReturnType<typeof runDgm>>;
let always: Awaited<ReturnType<typeof runDgm>>;

// A small GAN on 8x8 images of our own (no evaluation at the end: no classifier for them).
const train = (out: string, plane: string, extra: string[]) =>
  ['train', '--model', 'mlp-gan', '--dataset', `npy:${join(root, 'tiny.npy')}`, '--workers', '2', '--batch-size', '8', '--data-plane', plane, '--out', join(root, out), ...extra];

beforeAll(async () => {
  writeFlatImages(join(root, 'tiny.npy'), 64, 8, 8, (i) => (i * 37) % 256);
  [sometimes, always] = await Promise.all([
    runDgm(train('sometimes', 'shared', ['--steps', '10']), { cwd: root, env: { DGM_TEST_POISON_STEPS: '1:3,7' } }),
    runDgm(train('always', 'star', ['--steps', '10', '--max-skipped-steps', '2']), { cwd: root, env: { DGM_TEST_POISON_STEPS: '1:*' } }),
  ]);
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const metrics = (run: string) => readFileSync(join(root, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every float of a checkpoint's weights and Adam moments, and each phase's Adam iteration count. */
function readCheckpoint(run: string, step: number) {
  const dir = join(root, run, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
  const floats: Float32Array[] = [];
  const iterations: Record<string, number> = {};
  for (const sub of ['discriminator', 'generator']) {
    for (const f of readdirSync(join(dir, sub)).filter((n) => n.endsWith('.bin'))) {
      const b = readFileSync(join(dir, sub, f));
      floats.push(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
    }
  }
  for (const phase of ['d', 'g']) {
    const b = readFileSync(join(dir, `optimizer-${phase}.bin`));
    iterations[phase] = b.readInt32LE(0); // 'iter' comes first, then every m and v (float32)
    floats.push(new Float32Array(b.buffer.slice(b.byteOffset + 4, b.byteOffset + b.byteLength)));
  }
  return { floats, iterations };
}

describe('a worker that produces NaN', () => {
  it('has the steps it poisons skipped on every replica, named in a warning and in metrics.jsonl', () => {
    expect(sometimes.code, sometimes.stderr).toBe(0);
    const warnings = sometimes.stderr.split('\n').filter((l) => l.includes('skipped on every replica'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^warning: coordinator: step 4 skipped on every replica \(phases d and g not applied\): a non-finite gradient \(NaN or Infinity\) from rank 1 \(pid \d+ on [^,]+, phases d and g\); 1 skipped of at most 10$/);
    expect(warnings[1]).toMatch(/^warning: coordinator: step 8 skipped .* from rank 1 .*; 2 skipped of at most 10$/);
    const lines = metrics('sometimes');
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lines.filter((l) => l.skipped !== undefined).map((l) => [l.step, l.skipped, l.nonFiniteRanks, l.skippedSteps])).toEqual([
      [4, ['d', 'g'], [1], 1],
      [8, ['d', 'g'], [1], 2],
    ]);
  });

  it('leaves finite weights that every replica agrees on, with only the 8 applied steps in Adam', () => {
    const { floats, iterations } = readCheckpoint('sometimes', 10);
    expect(iterations).toEqual({ d: 8, g: 8 });
    expect(floats.every((a) => a.length > 0 && a.every(Number.isFinite))).toBe(true);
    // The coordinator compares every replica's weights hash at the end; a mismatch fails the run.
    const log = readFileSync(join(root, 'sometimes', 'logs', 'coordinator.log'), 'utf8');
    expect(log).toMatch(/"message":"replicas agree".*"step":10/);
    expect(log).toMatch(/"message":"data plane: shared"/);
  });

  it('stops a run that only produces NaN past --max-skipped-steps: a checkpoint, one sentence, exit 1', () => {
    expect(always.code, always.stderr).toBe(1);
    const errors = always.stderr.split('\n').filter((l) => l.startsWith('error'));
    expect(errors).toEqual([
      // The third skip (step 3) passes the limit; step 4 had already gone out to the workers (STEP
      // is sent one step ahead), so it is finished, and counted, before the run stops.
      `error: 4 steps were skipped for non-finite gradients, more than --max-skipped-steps 2 allows (the last at step 4, from rank 1), so the run stopped after 4 steps with its checkpoint ${join(root, 'always', 'checkpoints', 'step-000004')}; lower --lr or check the data.`,
    ]);
    expect(metrics('always').map((l) => l.skippedSteps)).toEqual([1, 2, 3, 4]);
    expect(readFileSync(join(root, 'always', 'logs', 'coordinator.log'), 'utf8')).toMatch(/"message":"data plane: star"/);
    const { floats, iterations } = readCheckpoint('always', 4);
    expect(iterations).toEqual({ d: 0, g: 0 });
    expect(floats.every((a) => a.every(Number.isFinite))).toBe(true);
  });
});

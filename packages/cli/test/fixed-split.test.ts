// The promise of README "Datasets": a file's split is fixed, the same for every run and for
// `dgm eval`, whatever --seed says. Observed from outside, through the real CLI only: a run's
// weights must not depend on the test images (it never trains on them), `dgm eval` must not
// depend on the training images (it never scores them), and the test images the run shows in its
// sample grid are the fixed ones. Also the human-readable end of `dgm train` (no --json).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDgm, type DgmProcess } from './support/spawn-dgm.js';
import { readGrayPng, writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-split-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 20 flat 8x8 images; image i is gray level 10 + 12 i, so any copy of it says which row it is.
const N = 20;
const level = (i: number) => 10 + 12 * i;
// The test split of a 20-image .npy file: the first floor(20/5) rows of core's fixed split
// permutation (seed 0x5eed, never the training seed), in that order. Known data, pinned here: a
// change to it would silently change every user's test set.
const FIXED_TEST = [13, 8, 17, 11];
const isTest = (i: number) => FIXED_TEST.includes(i);

const original = join(root, 'images.npy');
const otherTest = join(root, 'other-test.npy'); // the same training images; black test images
let a: DgmProcess & { code: number };
let b: DgmProcess & { code: number };

// --seed 7, not the default 0: a split that followed the training seed would show here. 4 steps
// of batch 4 are one whole epoch of the 16 training images, so every training image is used.
const train = (data: string, out: string, json: boolean) =>
  runDgm(['train', '--model', 'vae', '--dataset', `npy:${data}`, '--workers', '1', '--batch-size', '4', '--steps', '4', '--seed', '7', '--out', out, ...(json ? ['--json'] : [])], { cwd: root });

beforeAll(async () => {
  writeFlatImages(original, N, 8, 8, level);
  writeFlatImages(otherTest, N, 8, 8, (i) => (isTest(i) ? 0 : level(i)));
  [a, b] = await Promise.all([train(original, join(root, 'a'), false), train(otherTest, join(root, 'b'), true)]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
});

it('trains only on the training split, shows and scores only the fixed test split', async () => {
  // The run never read a test image: changing all of them leaves every weight bit unchanged.
  for (const sub of ['encoder', 'decoder']) {
    const weightsOf = (run: string) => readFileSync(join(root, run, 'checkpoints/step-000004', sub, 'weights.bin'));
    expect(weightsOf('a').equals(weightsOf('b')), `${sub} weights differ: the run trained on a test image`).toBe(true);
  }
  // The grid's first row is the run's test images (the coordinator's copy of the split).
  const grid = readGrayPng(readFileSync(join(root, 'a/samples/step-000004.png')));
  // The grid is scaled to a readable width (whole factor s, 2 px gaps) under a 'originals' band
  // of 24 px (2x font: 9 rows * 2 + 3 px margins); read the middle of each 8x8 test image.
  const s = (grid.width - (FIXED_TEST.length + 1) * 2) / (FIXED_TEST.length * 8);
  expect(Number.isInteger(s) && s * 8 * FIXED_TEST.length >= 512 - 2 * (FIXED_TEST.length + 1)).toBe(true);
  const shown = FIXED_TEST.map((_, k) => (grid.at(2 + k * (8 * s + 2) + 4 * s, 2 + 24 + 4 * s) - 10) / 12);
  expect(shown).toEqual(FIXED_TEST);
  // `dgm eval` never reads a training image: changing all of them after the run leaves its score
  // exactly the score printed at the end of the run.
  const printed = (b.events.find((e) => e.event === 'result') as { evaluation: { elbo: number; count: number } }).evaluation;
  writeFlatImages(otherTest, N, 8, 8, (i) => (isTest(i) ? 0 : level((i + 1) % N)));
  const evaluated = await runDgm(['eval', join(root, 'b'), '--json'], { cwd: root });
  expect(evaluated.code, evaluated.stderr).toBe(0);
  const result = evaluated.events.find((e) => e.event === 'result') as { count: number; elbo: number };
  expect(result.count).toBe(FIXED_TEST.length);
  expect(result.elbo).toBe(printed.elbo);
  // Not vacuous: the same weights score other test images differently (run a's own test images).
  const scoreA = Number(/Test ELBO: (\S+) nats/.exec(a.stdout)?.[1]);
  expect(Math.abs(scoreA - printed.elbo)).toBeGreaterThan(1); // about 4 nats here
});

it('ends a run in text with the lines a person reads: the run, checkpoint, grid and test ELBO', () => {
  const out = join(root, 'a');
  const lines = a.stdout.trim().split('\n');
  expect(lines[0]).toBe(`Run directory: ${out}`);
  expect(lines).toContain(`Checkpoint: ${join(out, 'checkpoints/step-000004')} (step 4)`);
  const samples = lines.find((l) => l.startsWith('Samples: '));
  expect(samples).toBe(`Samples: ${join(out, 'samples/step-000004.png')}`);
  expect(existsSync(samples!.slice('Samples: '.length))).toBe(true);
  expect(lines.at(-1)).toMatch(
    new RegExp(`^Test ELBO: -\\d+(\\.\\d+)? nats per image \\(reconstruction \\d+(\\.\\d+)?, KL \\d+(\\.\\d+)?; 4 npy:${original.replace(/[.]/g, '\\.')} test images, binarised\\)$`),
  );
  // No JSON on stdout in text mode; progress went to stderr.
  expect(a.stdout).not.toMatch(/^\{/m);
  expect(a.stderr).toMatch(/step 4\/4/);
});

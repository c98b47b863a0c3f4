// Epochs count from 0 wherever a person sees them: the progress line, metrics.jsonl and dgm
// inspect agree on the epoch of a step, at an epoch's last step too (real CLI and files).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runDgm } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-epochs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('the progress line, metrics.jsonl and dgm inspect give a step the same epoch, counted from 0', async () => {
  const data = join(root, 'images.npy');
  // 40 images: 32 to train on (the split keeps a fifth for the test set), 8 steps of 4 per epoch.
  writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i);
  const run = join(root, 'run');
  const r = await runDgm(['train', '--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--workers', '1', '--steps', '9', '--checkpoint-every', '8', '--out', run], { cwd: root });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/8 steps per epoch/);
  const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch);
  expect(epochs).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
  // The plain progress lines (stderr is not a terminal) show the first and the last step.
  expect(r.stderr).toMatch(/^step 1\/9 \(11%\) epoch 0 /m);
  expect(r.stderr).toMatch(/^step 9\/9 \(100%\) epoch 1 /m);
  for (const [step, epoch] of [[8, 0], [9, 1]]) {
    const inspected = await runDgm(['inspect', join(run, 'checkpoints', `step-00000${step}`)], { cwd: root });
    expect(inspected.stdout).toMatch(new RegExp(`^step\\s+${step} \\(epoch ${epoch}\\)`, 'm'));
  }
});

it('the last progress line of a run of 2 epochs says both are done (not "epoch 1/2"), the line before counts from 0', async () => {
  const data = join(root, 'images-2.npy');
  writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i);
  const r = await runDgm(['train', '--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--workers', '1', '--epochs', '2', '--out', join(root, 'two-epochs')], { cwd: root });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/^step 1\/16 \(6%\) epoch 0\/2 /m);
  const progress = r.stderr.split('\n').filter((l) => l.startsWith('step '));
  expect(progress.at(-1)).toMatch(/^step 16\/16 \(100%\) 2\/2 epochs done vae=/);
});

import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CheckpointError, loadCheckpoint, resolveCheckpointDir, restoreModelWeights, saveCheckpoint, type SaveCheckpointInput } from '../../src/checkpoint/index.js';
import { withTempDir } from './fixtures/temp-root.js';
import { scrambleWeights, tinyGan, weightValues, type TinyGan } from './fixtures/tiny-models.js';

const run = promisify(execFile);
const bytesOf = (t: tf.Tensor): Uint8Array => {
  const values = t.dataSync();
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
};

let model: TinyGan;
let optimizerState: SaveCheckpointInput['optimizerState'];

beforeAll(() => {
  model = tinyGan();
  scrambleWeights(model.discriminator, 3); // BatchNorm moving stats get non-default values too
  optimizerState = {
    d: [
      { name: 'iter', tensor: tf.scalar(5, 'int32') },
      { name: 'dense/kernel/m', tensor: tf.tensor([[0.1, -2e-30], [Number.MIN_VALUE, 3.4e38]]) },
    ],
    g: [{ name: 'iter', tensor: tf.scalar(5, 'int32') }, { name: 'w/v', tensor: tf.tensor([Math.PI, -0]) }],
  };
});
afterAll(() => {
  model.dispose();
  for (const entries of Object.values(optimizerState)) tf.dispose(entries.map((e) => e.tensor));
});

const input = (step: number, extra: Partial<SaveCheckpointInput> = {}): SaveCheckpointInput => ({
  step,
  epoch: 1,
  sampler: { epoch: 1, step: 3 },
  seed: 42,
  config: { model: 'tiny-gan', lr: 2e-4 },
  model,
  optimizerState,
  manifestHashes: { d: 'abc', g: 'def' },
  ...extra,
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('writes the documented layout, verifiable with sha256sum -c, and loads back bit-exactly', async () => {
    await withTempDir(async (root) => {
      const before = tf.memory().numTensors;
      const saved = await saveCheckpoint(root, input(12));
      expect(saved.name).toBe('step-000012');
      expect(await readFile(join(root, 'latest'), 'utf8')).toBe('step-000012\n');
      expect((await readdir(saved.dir)).sort()).toEqual(
        ['discriminator', 'generator', 'manifest.sha256', 'optimizer-d.bin', 'optimizer-d.json', 'optimizer-g.bin', 'optimizer-g.json', 'state.json'],
      );
      const { stdout } = await run('sha256sum', ['-c', 'manifest.sha256'], { cwd: saved.dir });
      expect(stdout.trim().split('\n')).toHaveLength(9); // 2 sub-models x 2 + 2 phases x 2 + state.json
      expect(stdout).not.toMatch(/FAILED/);

      const modelJson = JSON.parse(await readFile(join(saved.dir, 'discriminator', 'model.json'), 'utf8'));
      expect(modelJson.format).toBe('layers-model');
      expect(modelJson.generatedBy).toMatch(/TensorFlow\.js/);
      expect('convertedBy' in modelJson).toBe(true);
      expect(modelJson.weightsManifest).toHaveLength(1);
      expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
      // 2 dense x (kernel, bias) + BatchNorm gamma, beta, movingMean, movingVariance
      expect(modelJson.weightsManifest[0].weights).toHaveLength(8);
      expect((await stat(join(saved.dir, 'discriminator', 'weights.bin'))).size).toBe(4 * (6 * 8 + 8 + 4 * 8 + 8 + 1));

      const state = JSON.parse(await readFile(join(saved.dir, 'state.json'), 'utf8'));
      expect(state).toMatchObject({
        format: 'dgm-checkpoint', step: 12, epoch: 1, sampler: { epoch: 1, step: 3 }, seed: 42,
        config: { model: 'tiny-gan', lr: 2e-4 }, manifestHashes: { d: 'abc', g: 'def' },
        library: { name: '@dgm/core', version: '0.1.0', tfjs: '4.22.0' },
        model: { name: 'tiny-gan', family: 'gan', options: { hidden: 8 }, subModels: ['generator', 'discriminator'] },
        optimizerPhases: ['d', 'g'],
      });
      expect(state.configHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Date.parse(state.createdAt)).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);

      const loaded = await loadCheckpoint(root);
      expect(loaded.dir).toBe(saved.dir);
      for (const sub of ['generator', 'discriminator'] as const) {
        expect(weightValues(loaded.models[sub] as tf.LayersModel)).toEqual(weightValues(model[sub]));
      }
      for (const phase of ['d', 'g']) {
        const got = loaded.optimizerState[phase] ?? [];
        const want = optimizerState[phase] ?? [];
        expect(got.map((e) => e.name)).toEqual(want.map((e) => e.name));
        got.forEach((e, i) => {
          expect(e.tensor.dtype).toBe(want[i]?.tensor.dtype);
          expect(e.tensor.shape).toEqual(want[i]?.tensor.shape);
          // Bit-exact, including -0, denormals and the float32 extremes.
          expect(bytesOf(e.tensor)).toEqual(bytesOf((want[i] as { tensor: tf.Tensor }).tensor));
        });
      }
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('resolves a checkpoint dir, a checkpoints root and a run dir to the same checkpoint', async () => {
    await withTempDir(async (runDir) => {
      const root = join(runDir, 'checkpoints');
      await saveCheckpoint(root, input(1));
      const saved = await saveCheckpoint(root, input(2));
      expect(await resolveCheckpointDir(saved.dir)).toBe(saved.dir);
      expect(await resolveCheckpointDir(root)).toBe(saved.dir);
      expect(await resolveCheckpointDir(runDir)).toBe(saved.dir);
      const older = await loadCheckpoint(join(root, 'step-000001'), { models: false });
      expect(older.state.step).toBe(1);
      expect(older.models).toEqual({});
      expect(Object.keys(older.artifacts)).toEqual(['generator', 'discriminator']);
      older.dispose();
    });
  });

  it('restores weights by name into a separately built model of the same architecture', async () => {
    await withTempDir(async (root) => {
      await saveCheckpoint(root, input(3), {});
      const fresh = tinyGan(99);
      expect(weightValues(fresh.generator)).not.toEqual(weightValues(model.generator));
      const loaded = await loadCheckpoint(root, { models: false });
      const before = tf.memory().numTensors;
      restoreModelWeights(fresh, loaded);
      expect(tf.memory().numTensors).toBe(before);
      expect(weightValues(fresh.generator)).toEqual(weightValues(model.generator));
      expect(weightValues(fresh.discriminator)).toEqual(weightValues(model.discriminator));
      loaded.dispose();
      fresh.dispose();

      const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
      const loaded2 = await loadCheckpoint(root, { models: false });
      expect(() => restoreModelWeights({ subModels: () => ({ generator: other }) }, loaded2)).toThrow(
        /sub-model "generator" .* has 4 weights but the target model has 2/,
      );
      loaded2.dispose();
      other.dispose();

      // Same shapes, other names: a model that is not the one saved is refused, not filled by position.
      const renamed = tf.sequential({
        layers: [
          tf.layers.dense({ name: 'other1', inputShape: [4], units: 8 }),
          tf.layers.dense({ name: 'other2', units: 6 }),
        ],
      });
      const loaded3 = await loadCheckpoint(root, { models: false });
      const before3 = weightValues(renamed);
      expect(() => restoreModelWeights({ subModels: () => ({ generator: renamed }) }, loaded3)).toThrow(
        /sub-model "generator" .* has no weight "other1\/kernel"; it was saved from another model/,
      );
      expect(weightValues(renamed)).toEqual(before3);
      loaded3.dispose();
      renamed.dispose();
    });
  });

  it('refuses bad input with one clear sentence', async () => {
    await withTempDir(async (root) => {
      await expect(saveCheckpoint(root, input(-1))).rejects.toThrow(new CheckpointError('Checkpoint step must be a non-negative integer; got -1.'));
      await expect(saveCheckpoint(root, input(1), { keep: 0 })).rejects.toThrow(/keep must be an integer of at least 1/);
      const badName = { ...model, subModels: () => ({ '../evil': model.generator }) };
      await expect(saveCheckpoint(root, input(1, { model: badName }))).rejects.toThrow(/Sub-model name "..\/evil" cannot be a directory name/);
      const disposed = tf.scalar(1);
      disposed.dispose();
      await expect(saveCheckpoint(root, input(1, { optimizerState: { d: [{ name: 'x', tensor: disposed }] } }))).rejects.toThrow(
        'Optimizer state tensor "x" of phase "d" is already disposed.',
      );
      // A failed save leaves nothing behind: no checkpoint, no temp dir, no latest.
      expect(await readdir(root)).toEqual([]);
      await expect(loadCheckpoint(join(root, 'nowhere'))).rejects.toThrow(/does not exist or is not a directory/);
      await expect(loadCheckpoint(root)).rejects.toThrow(/holds no checkpoints/);
    });
  });

  it('keeps the last K complete checkpoints, deleting older ones only after latest moved', async () => {
    await withTempDir(async (root) => {
      const pruned: string[][] = [];
      for (const step of [10, 20, 30, 40]) pruned.push((await saveCheckpoint(root, input(step), { keep: 2 })).pruned);
      expect(pruned).toEqual([[], [], ['step-000010'], ['step-000020']]);
      expect((await readdir(root)).sort()).toEqual(['latest', 'step-000030', 'step-000040']);
      // After a resume from an older checkpoint, the history is what leads to `latest`:
      // older ones are pruned, the abandoned newer ones are left alone (not ours to judge).
      const resumed = await saveCheckpoint(root, input(25), { keep: 1 });
      expect(resumed.pruned).toEqual([]); // step-000030/40 are newer than latest
      expect((await readdir(root)).sort()).toEqual(['latest', 'step-000025', 'step-000030', 'step-000040']);
      const earlier = await saveCheckpoint(root, input(5), { keep: 1 });
      expect(earlier.pruned).toEqual([]);
      const later = await saveCheckpoint(root, input(26), { keep: 2 });
      expect(later.pruned).toEqual(['step-000005']);
      expect((await readdir(root)).sort()).toEqual(['latest', 'step-000025', 'step-000026', 'step-000030', 'step-000040']);
      // Re-saving an existing step replaces it whole.
      await saveCheckpoint(root, input(26, { seed: 9 }), { keep: 2 });
      const reloaded = await loadCheckpoint(root, { models: false });
      expect(reloaded.state).toMatchObject({ step: 26, seed: 9 });
      reloaded.dispose();
      expect((await readdir(root)).sort()).toEqual(['latest', 'step-000025', 'step-000026', 'step-000030', 'step-000040']);
    });
  });
});

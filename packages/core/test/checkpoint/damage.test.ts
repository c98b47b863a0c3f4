import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CheckpointError, latestValidCheckpoint, loadCheckpoint, saveCheckpoint, type SaveCheckpointInput } from '../../src/checkpoint/index.js';
import { withTempDir } from './fixtures/temp-root.js';
import { tinyGan, type TinyGan } from './fixtures/tiny-models.js';

let model: TinyGan;
beforeAll(() => {
  model = tinyGan();
});
afterAll(() => model.dispose());

const input = (step: number): SaveCheckpointInput => ({
  step,
  epoch: 0,
  sampler: { epoch: 0, step: step },
  seed: 1,
  config: {},
  model,
  optimizerState: { g: [{ name: 'iter', tensor: tf.scalar(step, 'int32') }] },
});

/** Two checkpoints (1 and 2, latest = 2) in a fresh root. */
async function twoCheckpoints(root: string): Promise<{ older: string; newer: string }> {
  const older = (await saveCheckpoint(root, input(1))).dir;
  const newer = (await saveCheckpoint(root, input(2))).dir;
  return { older, newer };
}

async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  await writeFile(path, bytes);
}

describe('damaged or incomplete checkpoints', () => {
  it('a flipped bit in weights.bin is named in one sentence, and the previous checkpoint is used instead', async () => {
    await withTempDir(async (root) => {
      const { newer } = await twoCheckpoints(root);
      const weights = join(newer, 'generator', 'weights.bin');
      await flipByte(weights, 10);
      const error = await loadCheckpoint(root).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as CheckpointError).message).toBe(`Checkpoint file ${weights} is damaged: its sha256 does not match manifest.sha256.`);
      expect((error as CheckpointError).path).toBe(weights);

      const logs: string[] = [];
      const valid = await latestValidCheckpoint(root, { log: (m) => logs.push(m) });
      expect(valid).toMatchObject({ name: 'step-000001', step: 1, fellBack: true });
      expect(valid?.skipped).toEqual([{ name: 'step-000002', reason: (error as Error).message }]);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(/^Falling back to checkpoint step-000001 in .* because newer ones are unusable \(step-000002: Checkpoint file .*weights\.bin is damaged/);
      const loaded = await loadCheckpoint(valid?.dir as string);
      expect(loaded.state.step).toBe(1);
      loaded.dispose();
    });
  });

  it('a checkpoint without its manifest is reported as incomplete', async () => {
    await withTempDir(async (root) => {
      const { newer } = await twoCheckpoints(root);
      await rm(join(newer, 'manifest.sha256'));
      await expect(loadCheckpoint(newer)).rejects.toThrow(
        `Checkpoint ${newer} is incomplete: manifest.sha256 is missing (it is written last, so the save did not finish).`,
      );
      expect((await latestValidCheckpoint(root))?.name).toBe('step-000001');
    });
  });

  it('a missing, unlisted or truncated file, and a malformed manifest, are each named', async () => {
    await withTempDir(async (root) => {
      const { newer } = await twoCheckpoints(root);
      const optimizerBin = join(newer, 'optimizer-g.bin');
      await rm(optimizerBin);
      await expect(loadCheckpoint(newer)).rejects.toThrow(`Checkpoint file ${optimizerBin} listed in manifest.sha256 is missing.`);

      const manifestPath = join(newer, 'manifest.sha256');
      const manifest = await readFile(manifestPath, 'utf8');
      await writeFile(manifestPath, manifest.split('\n').filter((l) => !l.endsWith('optimizer-g.bin')).join('\n'));
      await expect(loadCheckpoint(newer)).rejects.toThrow(`Checkpoint file ${optimizerBin} is not listed in manifest.sha256, so it cannot be trusted.`);

      await writeFile(manifestPath, `${manifest}garbage line\n`);
      await expect(loadCheckpoint(newer)).rejects.toThrow(/manifest\.sha256 line 8 is malformed; expected "<64 lowercase hex digits>  <relative path>"\./);

      await writeFile(manifestPath, manifest.replace(/ {2}state\.json/, '  ../../etc/passwd'));
      await expect(loadCheckpoint(newer)).rejects.toThrow(/names "\.\.\/\.\.\/etc\/passwd", which is not a plain path inside the checkpoint/);
    });
  });

  it('a latest file naming a missing or bogus checkpoint falls back to the newest intact one', async () => {
    await withTempDir(async (root) => {
      const { newer } = await twoCheckpoints(root);
      await rm(newer, { recursive: true });
      await expect(loadCheckpoint(root)).rejects.toThrow(`${join(root, 'latest')} names step-000002, which does not exist.`);
      expect((await latestValidCheckpoint(root))?.name).toBe('step-000001');

      await writeFile(join(root, 'latest'), 'rm -rf /\n');
      await expect(loadCheckpoint(root)).rejects.toThrow(/latest does not hold a checkpoint name like "step-000100"/);
      const valid = await latestValidCheckpoint(root);
      expect(valid?.name).toBe('step-000001');
      expect(valid?.skipped[0]?.name).toBe('latest');

      await rm(join(root, 'step-000001', 'state.json'));
      expect(await latestValidCheckpoint(root)).toBeNull();
      await rm(root, { recursive: true });
      await expect(latestValidCheckpoint(root)).rejects.toThrow(`Checkpoint path ${root} does not exist or is not a directory.`);
      await mkdir(join(root, 'checkpoints'), { recursive: true });
      expect(await latestValidCheckpoint(root)).toBeNull(); // a run dir before its first checkpoint
    });
  });
});

// A crash at any point of a save leaves either the old state or the new one. Two ways to crash:
// a fault injected after each stage (in-process), and a real child process SIGKILLed while
// frozen inside a save (its temp dir is left behind, as after a power cut).
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { latestValidCheckpoint, loadCheckpoint, saveCheckpoint, type SaveCheckpointInput, type SaveStage } from '../../src/checkpoint/index.js';
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
  optimizerState: { d: [{ name: 'iter', tensor: tf.scalar(step, 'int32') }] },
});

class SimulatedCrash extends Error {}

/** The step a loader resumes from under `root`. */
async function resumedStep(root: string): Promise<number> {
  const loaded = await loadCheckpoint(root, { models: false });
  loaded.dispose();
  return loaded.state.step;
}

describe('crash safety', () => {
  const expectations: [SaveStage, number][] = [
    ['files-written', 1], // not yet published: the old state
    ['published', 1], // published but latest not moved: still the old state
    ['latest-updated', 2], // latest moved: the new state (old ones not yet pruned)
    ['pruned', 2],
  ];
  for (const [stage, step] of expectations) {
    it(`a fault after "${stage}" leaves a loadable step ${step}`, async () => {
      await withTempDir(async (root) => {
        await saveCheckpoint(root, input(1), { keep: 1 });
        const fault = saveCheckpoint(root, input(2), {
          keep: 1,
          onStage: (s) => {
            if (s === stage) throw new SimulatedCrash(stage);
          },
        });
        await expect(fault).rejects.toBeInstanceOf(SimulatedCrash);
        expect(await resumedStep(root)).toBe(step);
        expect((await latestValidCheckpoint(root))?.fellBack).toBe(false);
        const entries = (await readdir(root)).sort();
        expect(entries.filter((e) => e.startsWith('.'))).toEqual([]);
        if (stage === 'latest-updated') expect(entries).toEqual(['latest', 'step-000001', 'step-000002']);
        if (stage === 'pruned') expect(entries).toEqual(['latest', 'step-000002']);
      });
    });
  }

  const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
  // One real kill, at the stage that leaves debris (a finished but unpublished temp dir); the
  // other stages are covered by the injected faults above.
  for (const [stage, step] of [['files-written', 1]] as const) {
    it(`a child process killed (SIGKILL) after "${stage}" leaves step ${step}; its leftovers are invisible and swept`, async () => {
      await withTempDir(async (root) => {
        const child = spawn(process.execPath, ['--import', join(fixtures, 'register-ts-loader.mjs'), join(fixtures, 'save-then-stall.ts'), root, stage], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`child never reached ${stage}: ${stderr}`)), 60_000);
          child.stdout.on('data', (d: Buffer) => {
            if (d.toString().includes(`STALLED ${stage}`)) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
        });
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');

        const left = await readdir(root);
        if (stage === 'files-written') expect(left.some((e) => e.startsWith('.tmp-step-000002-'))).toBe(true);
        expect(await readFile(join(root, 'latest'), 'utf8')).toBe('step-000001\n');
        expect(await resumedStep(root)).toBe(step);

        // The next save (another process id) sweeps the dead process's temp dir.
        await saveCheckpoint(root, input(3), { keep: 5 });
        expect((await readdir(root)).filter((e) => e.startsWith('.'))).toEqual([]);
        expect(await resumedStep(root)).toBe(3);
      });
    });
  }
});

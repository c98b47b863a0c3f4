// A class-conditional model end to end (`dgm train --conditional`, `dgm sample --class`, `dgm
// eval`): real coordinator, real worker processes, real files, and its checkpoint in stock
// tf.loadLayersModel as a two-input model.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerFileSystemRouter } from '@dgm/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDgm } from './support/spawn-dgm.js';
import { readGrayPng } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-conditional-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Small and quick: mlp-gan on the bundled mnist (it has labels), global batch 16 over 2 workers.
const TINY = ['--model', 'mlp-gan', '--batch-size', '16', '--json'];

interface Accuracy {
  accuracy: number;
  perClass: number[];
  counts: number[];
}

describe('dgm train --conditional', () => {
  const run = join(root, 'cond');
  const plain = join(root, 'plain');
  let result: Record<string, unknown>;

  beforeAll(async () => {
    // Two independent runs, trained side by side.
    const [r, p] = await Promise.all([
      runDgm(['train', '--conditional', '--steps', '2', '--out', run, ...TINY], { cwd: root }),
      runDgm(['train', '--steps', '1', '--out', plain, ...TINY], { cwd: root }),
    ]);
    expect(r.code, r.stderr).toBe(0);
    result = r.events.find((e) => e.event === 'result') as Record<string, unknown>;
    expect(p.code, p.stderr).toBe(0);
  });

  it('records the option and the class count of the data, and ends with the class accuracy per class', () => {
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { config: { modelOptions: Record<string, unknown> } };
    expect(config.config.modelOptions).toMatchObject({ conditional: true, classes: 10 });
    expect(JSON.parse(readFileSync(join(plain, 'config.json'), 'utf8')).config.modelOptions).not.toHaveProperty('conditional');
    const evaluation = result.evaluation as { family: string; fid: number; classAccuracy: Accuracy; realClassAccuracy: Accuracy };
    expect(evaluation.family).toBe('gan');
    expect(evaluation.fid).toBeGreaterThan(0);
    // 1,000 samples drawn 100 per class; the classifier is right on most real test images.
    expect(evaluation.classAccuracy.counts).toEqual(new Array(10).fill(100));
    expect(evaluation.classAccuracy.perClass).toHaveLength(10);
    expect(evaluation.realClassAccuracy.accuracy).toBeGreaterThan(0.9);
    // The run's grid: one row of 8 per class, 10 rows, each pixel 3x3 (the smallest whole factor
    // that makes the grid at least 512 px wide), 2 px gaps.
    const grid = readGrayPng(readFileSync(result.samples as string));
    expect([grid.width, grid.height]).toEqual([8 * 28 * 3 + 9 * 2, 10 * 28 * 3 + 11 * 2]);
  });

  it('dgm sample --class draws one row per class asked, in that order', async () => {
    // Unscaled (--scale 1), so that grid rows map to pixel rows one to one. Three independent
    // processes: started together, checked one by one.
    const [one, many, single] = await Promise.all([
      runDgm(['sample', run, '--class', '3', '--count', '4', '--out', 'three.png', '--scale', '1', '--json'], { cwd: root }),
      runDgm(['sample', run, '--class', '2,0,1', '--count', '4', '--out', 'rows.png', '--scale', '1', '--json'], { cwd: root }),
      runDgm(['sample', run, '--class', '1', '--count', '4', '--out', 'one.png', '--scale', '1', '--json'], { cwd: root }),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.events.find((e) => e.event === 'result')).toMatchObject({ count: 4, classes: [3] });
    const three = readGrayPng(readFileSync(join(root, 'three.png')));
    expect([three.width, three.height]).toEqual([4 * 28 + 5 * 2, 28 + 2 * 2]);
    expect(many.code, many.stderr).toBe(0);
    const rows = readGrayPng(readFileSync(join(root, 'rows.png')));
    expect(rows.height).toBe(3 * 28 + 4 * 2);
    // Row 2 of rows.png is class 1, drawn from the same latents as row 0 of a --class 1 grid.
    expect(single.code, single.stderr).toBe(0);
    const ones = readGrayPng(readFileSync(join(root, 'one.png')));
    for (let y = 0; y < 28; y++) for (let x = 0; x < ones.width; x++) expect(rows.at(x, 2 + 2 * 30 + y)).toBe(ones.at(x, 2 + y));
  });

  it('refuses classes the model lacks, --class for an unconditional model, and resuming with another conditional setting; writes nothing', async () => {
    const before = readdirSync(root).sort();
    const [bad, unconditional, resumed] = await Promise.all([
      runDgm(['sample', run, '--class', '10', '--out', 'x.png'], { cwd: root }),
      runDgm(['sample', plain, '--class', '1', '--out', 'x.png'], { cwd: root }),
      runDgm(['train', '--resume', plain, '--conditional', '--steps', '2'], { cwd: root }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: --class 10 is not a class of this model; its classes are 0 to 9.');
    expect(unconditional.code).toBe(2);
    expect(unconditional.stderr.trim()).toMatch(/^error: --class applies only to conditional models, and the model in .*plain.* is not conditional\.$/);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr.trim()).toMatch(/^error: --resume .*plain: that run was trained with conditional \(the default\) but --conditional asks for true;/);
    expect(readdirSync(root).sort()).toEqual(before);
  });

  it('--resume continues a conditional run (the setting comes from the run)', async () => {
    const r = await runDgm(['train', '--resume', run, '--steps', '3', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([3]);
    expect(readFileSync(join(run, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000003');
  });

  it('dgm eval reports the class accuracy of samples drawn for each class, next to real test images', async () => {
    const r = await runDgm(['eval', run, '--count', '50'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Class accuracy: \d+\.\d% of samples drawn per class are classified as their class \(real test images: \d+\.\d%\)$/m);
    expect(r.stdout).toMatch(/^Per class: 0: [\d.]+%, 1: [\d.]+%, .* 9: [\d.]+%$/m);
  });

  it('leaves a generator that stock tf.loadLayersModel loads as a two-input model: [z float32 [n, latentDim], class int32 [n, 1]]', async () => {
    await initBackend('wasm');
    registerFileSystemRouter();
    const latest = readFileSync(join(run, 'checkpoints/latest'), 'utf8').trim();
    const generator = await tf.loadLayersModel(`file://${join(run, 'checkpoints', latest, 'generator/model.json')}`);
    expect(generator.inputNames).toEqual(['g_z', 'g_class']);
    expect(generator.inputs.map((t) => [t.dtype, t.shape])).toEqual([['float32', [null, 100]], ['int32', [null, 1]]]);
    const out = tf.tidy(() => {
      const images = generator.predict([tf.randomNormal([3, 100]), tf.tensor2d([[0], [5], [9]], [3, 1], 'int32')]) as tf.Tensor;
      return [images.shape, tf.any(tf.notEqual(images.slice([0], [1]), images.slice([1], [1]))).dataSync()[0]] as const;
    });
    expect(out[0]).toEqual([3, 28, 28, 1]);
    expect(out[1]).toBe(1);
    generator.dispose();
  });
});

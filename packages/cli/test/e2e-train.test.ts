// `dgm train` end to end: real coordinator, real worker processes, real files.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerFileSystemRouter } from '@dgm/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDgm, startDgm, waitGone } from './support/spawn-dgm.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Small and quick: the MLP VAE on MNIST, global batch 16 over 2 workers.
const TINY = ['--batch-size', '16', '--checkpoint-every', '2', '--json'];

function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      out.push(`${rel}:${statSync(path).mtimeMs}`);
      if (statSync(path).isDirectory()) walk(path, rel);
    }
  };
  walk(dir, '');
  return out;
}

function weights(checkpoint: string, sub: string): Buffer {
  return readFileSync(join(checkpoint, sub, 'weights.bin'));
}

describe('dgm train', () => {
  const runA = join(root, 'a');
  let resultA: Record<string, unknown>;
  let startedA: string;

  beforeAll(async () => {
    const r = await runDgm(['train', '--steps', '4', '--out', runA, ...TINY], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.every((e) => e.event !== 'not-json'), r.stdout).toBe(true);
    resultA = r.events.find((e) => e.event === 'result') as Record<string, unknown>;
    startedA = String(r.events.find((e) => e.event === 'log' && String(e.message).startsWith('Started '))?.message);
    expect(r.events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4]);
  });

  it('writes the run directory: config, metrics, logs, samples, checkpoints', () => {
    expect(resultA).toMatchObject({ status: 'finished', step: 4, runDir: runA, dataPlane: existsSync('/dev/shm') ? 'shared' : 'star' });
    // --backend auto (the default) is reported as what it resolved to here.
    expect(startedA).toMatch(/^Started 2 worker processes \(pids \d+, \d+\) on the (wasm|tensorflow) \(auto\) backend$/);
    for (const f of ['config.json', 'metrics.jsonl', 'logs/cli.log', 'logs/coordinator.log', 'logs/worker-0.log', 'logs/worker-1.log', 'checkpoints/latest']) {
      expect(existsSync(join(runA, f)), f).toBe(true);
    }
    expect(readFileSync(join(runA, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect(readFileSync(join(runA, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000004');
    expect(existsSync(resultA.samples as string)).toBe(true);
    const evaluation = resultA.evaluation as { family: string; elbo: number; count: number };
    expect(evaluation.family).toBe('vae');
    expect(evaluation.count).toBe(2000);
    expect(evaluation.elbo).toBeLessThan(0);
  });

  it('leaves a checkpoint that stock tf.loadLayersModel loads', async () => {
    await initBackend('wasm');
    registerFileSystemRouter();
    const decoder = await tf.loadLayersModel(`file://${join(runA, 'checkpoints/step-000004/decoder/model.json')}`);
    const out = decoder.predict(tf.zeros([1, decoder.inputs[0].shape[1] as number])) as tf.Tensor;
    expect(out.shape).toEqual([1, 28, 28, 1]);
    tf.dispose([out]);
    decoder.dispose();
  });

  it('--resume continues at the next step with the weights of a run that never stopped', async () => {
    const runB = join(root, 'b');
    const first = await runDgm(['train', '--steps', '2', '--out', runB, ...TINY], { cwd: root });
    expect(first.code, first.stderr).toBe(0);
    const resumed = await runDgm(['train', '--resume', runB, '--steps', '4', '--json'], { cwd: root });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.events.find((e) => e.event === 'run')).toMatchObject({ resumeFrom: 2, totalSteps: 4 });
    expect(resumed.events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([3, 4]);
    for (const sub of ['encoder', 'decoder']) {
      expect(weights(join(runB, 'checkpoints/step-000004'), sub).equals(weights(join(runA, 'checkpoints/step-000004'), sub)), sub).toBe(true);
    }
  });

  it('refuses to resume with another config, or to overwrite a run, and writes nothing', async () => {
    const before = listTree(runA);
    // Three independent refusals: started together, checked one by one.
    const [other, again, done] = await Promise.all([
      runDgm(['train', '--resume', runA, '--seed', '5', '--steps', '6'], { cwd: root }),
      runDgm(['train', '--out', runA], { cwd: root }),
      runDgm(['train', '--resume', runA], { cwd: root }),
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr.trim()).toMatch(/^error: --resume .*a: that run was trained with seed 0 but --seed asks for 5; drop it to continue the run/);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(/^error: --out .*a already holds files; choose another --out, or continue that run with --resume/);
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(/is already at step 4 of 4; give a larger --steps or --epochs/);
    expect(listTree(runA)).toEqual(before);
  });

  it('refuses to resume a cosine run with another length (its schedule is keyed by the total), and writes nothing', async () => {
    const runC = join(root, 'cosine');
    const first = await runDgm(['train', '--steps', '2', '--lr-schedule', 'cosine', '--out', runC, ...TINY], { cwd: root });
    expect(first.code, first.stderr).toBe(0);
    const before = listTree(runC);
    const longer = await runDgm(['train', '--resume', runC, '--steps', '4'], { cwd: root });
    expect(longer.code).toBe(2);
    expect(longer.stderr.trim()).toMatch(/^error: --resume .*cosine: its cosine learning-rate schedule anneals over the run's 2 steps, so the run cannot change to 4; resume without --steps\/--epochs, or start a new run\.$/);
    expect(listTree(runC)).toEqual(before);
  });

  it('inspect, sample and eval read the run', async () => {
    // Six processes that only read the run: started together (each is mostly its own start-up,
    // one core), checked one by one. Each grid has its own file, so none overwrites another.
    const sample = (seed: string, name: string) => runDgm(['sample', runA, '--count', '16', '--seed', seed, '--out', name], { cwd: root });
    const [inspected, text, grid3, grid4, grid3again, evaluated] = await Promise.all([
      runDgm(['inspect', runA, '--json'], { cwd: root }),
      runDgm(['inspect', join(runA, 'checkpoints/step-000002')], { cwd: root }),
      sample('3', 'grid-3.png'),
      sample('4', 'grid-4.png'),
      sample('3', 'grid-3-again.png'),
      runDgm(['eval', runA, '--json'], { cwd: root }),
    ]);
    expect(inspected.code, inspected.stderr).toBe(0);
    const info = inspected.events[0] as { model: string; step: number; parameters: Record<string, number>; totalParameters: number; filesVerified: number };
    expect(info).toMatchObject({ model: 'vae', step: 4 });
    expect(info.parameters.encoder).toBe(784 * 400 + 400 + 2 * (400 * 20 + 20));
    expect(info.totalParameters).toBe(info.parameters.encoder + info.parameters.decoder);
    expect(info.filesVerified).toBeGreaterThanOrEqual(5);
    expect(text.stdout).toMatch(/^step\s+2 \(epoch 0\)/m);
    expect(text.stdout).toMatch(/files\s+\d+ verified against manifest\.sha256/);

    const grid = (r: Awaited<ReturnType<typeof runDgm>>, name: string) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(join(root, name));
      return readFileSync(join(root, name));
    };
    const [a, b] = [grid(grid3, 'grid-3.png'), grid(grid4, 'grid-4.png')];
    expect(a.subarray(1, 4).toString()).toBe('PNG');
    expect(a.equals(b)).toBe(false);
    expect(grid(grid3again, 'grid-3-again.png').equals(a)).toBe(true);

    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.events[0]).toMatchObject({ family: 'vae', step: 4, elbo: (resultA.evaluation as { elbo: number }).elbo });
  });

  it('rebuilds the trained model in-process without leaking tensors', async () => {
    const { loadTrainedModel, generateImages } = await import('../src/results/trained-model.js');
    const { writeSampleGrid } = await import('../src/results/sample-grid.js');
    const trained = await loadTrainedModel(runA, 'wasm');
    const before = tf.memory().numTensors;
    const images = await generateImages(trained, 5, 0, 1);
    expect(images.shape).toEqual([5, 28, 28, 1]);
    const values = await images.data();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    images.dispose();
    await writeSampleGrid(trained, { count: 4, seed: 1, path: join(root, 'inproc.png') });
    expect(tf.memory().numTensors).toBe(before);
    trained.dispose();
    expect(existsSync(join(root, 'inproc.png'))).toBe(true);
  });

  it('names a damaged checkpoint in one sentence (exit 2)', async () => {
    const damaged = join(root, 'damaged');
    cpSync(join(runA, 'checkpoints/step-000004'), damaged, { recursive: true });
    const bin = join(damaged, 'decoder/weights.bin');
    const bytes = readFileSync(bin);
    bytes[0] ^= 0xff;
    writeFileSync(bin, bytes);
    const commands = ['inspect', 'sample', 'eval'];
    const runs = await Promise.all(commands.map((command) => runDgm([command, damaged], { cwd: root })));
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: .*decoder\/weights\.bin/);
    }
  });

  it('trains a GAN with the chosen loss and ends with its FID, floor and class histogram', async () => {
    // --ema: the generator average is trained by every worker, checkpointed as a stock
    // LayersModel of its own, and what the samples and the FID are drawn from. --augment reaches
    // the workers' Trainers through the run config.
    const r = await runDgm(['train', '--model', 'mlp-gan', '--loss', 'lsgan', '--ema', '0.99', '--augment', 'translation,cutout', '--steps', '2', '--batch-size', '8', '--out', join(root, 'gan'), '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys((r.events.find((e) => e.event === 'step') as { losses: object }).losses).sort()).toEqual(['d', 'g']);
    const { evaluation } = r.events.find((e) => e.event === 'result') as { evaluation: { family: string; fid: number; floorFid: number; classHistogram: number[] } };
    expect(evaluation.family).toBe('gan');
    expect(evaluation.fid).toBeGreaterThan(evaluation.floorFid);
    expect(evaluation.classHistogram.reduce((a, b) => a + b, 0)).toBe(1000);
    const config = JSON.parse(readFileSync(join(root, 'gan/config.json'), 'utf8')) as { config: { trainer: { loss: string; augment: string[] }; modelOptions: { ema: number } } };
    expect(config.config.trainer.loss).toBe('lsgan');
    expect(config.config.trainer.augment).toEqual(['translation', 'cutout']);
    expect(config.config.modelOptions.ema).toBe(0.99);
    await initBackend('wasm');
    registerFileSystemRouter();
    const average = await tf.loadLayersModel(`file://${join(root, 'gan/checkpoints/step-000002/generator_ema/model.json')}`);
    expect(average.name).toBe('generator_ema');
    average.dispose();
  });

  it('Ctrl-C stops everything: final checkpoint, no worker left, exit 130', async () => {
    const runC = join(root, 'c');
    const p = startDgm(['train', '--steps', '100000', '--out', runC, ...TINY], { cwd: root, ownProcessGroup: true });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    expect(pids).toHaveLength(2);
    await p.waitFor((e) => e.event === 'step');
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-(p.child.pid as number), 'SIGINT');
    expect(await p.exited, p.stderr).toBe(130);
    expect(await waitGone(pids, 5_000)).toEqual([]);
    const result = p.events.find((e) => e.event === 'result') as { status: string; step: number; checkpoint: string };
    expect(result.status).toBe('interrupted');
    expect(result.step).toBeGreaterThan(0);
    expect(readFileSync(join(runC, 'checkpoints/latest'), 'utf8').trim()).toBe(`step-${String(result.step).padStart(6, '0')}`);
  });

  it('workers never outlive a launcher that is killed outright (SIGKILL)', async () => {
    const p = startDgm(['train', '--steps', '100000', '--out', join(root, 'e'), ...TINY], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    await p.waitFor((e) => e.event === 'step');
    p.child.kill('SIGKILL');
    await p.exited;
    // Well inside the workers' 10 s coordinator timeout: they leave because their launcher did.
    expect(await waitGone(pids, 3_000)).toEqual([]);
  });

  it('a crashed worker ends the run with a clear message and exit 1, never a hang', async () => {
    const runD = join(root, 'd');
    const p = startDgm(['train', '--steps', '100000', '--out', runD, ...TINY], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    await p.waitFor((e) => e.event === 'step');
    process.kill(pids[1], 'SIGKILL');
    expect(await p.exited).toBe(1);
    expect(p.stderr).toMatch(new RegExp(`error: Worker 1 \\(pid ${pids[1]}\\) was killed by SIGKILL; the run stops\\. See .*worker-1\\.log\\.\\n$`));
    expect(p.stderr).not.toContain('DGM_DEBUG');
    expect(await waitGone(pids, 5_000)).toEqual([]);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTrainSettings, settingsFromRunConfig, UsageError, type TrainSettings } from '../src/index.js';
import { buildRunConfig } from '../src/launch/train-plan.js';
import { metaOf } from '@dgm/core/schema';
import { MODEL_NAMES } from '@dgm/core/names';
import { TRAIN_FIELD_NAMES, TRAIN_FIELDS } from '../src/config/fields.js';
import { readLaunchSettings, writeLaunchSettings } from '../src/config/launch-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-cli-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const now = new Date(Date.UTC(2026, 10, 22, 1, 2, 3));

function resolve(flags: Record<string, unknown>, command: 'train' | 'coordinator' = 'train'): TrainSettings {
  return resolveTrainSettings({ command, flags, now, cwd: '/w' });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The sentence a bad input produces (and that it is a UsageError, not some other throw). */
function sentence(flags: Record<string, unknown>, command: 'train' | 'coordinator' = 'train'): string {
  try {
    resolve(flags, command);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message.trim().split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected a UsageError');
}

describe('resolveTrainSettings', () => {
  it('defaults to the VAE on mnist with 2 CPU workers for a few epochs', () => {
    const s = resolve({});
    expect(s).toMatchObject({ model: 'vae', dataset: 'mnist', workers: 2, gpus: null, backend: 'auto', epochs: 10, steps: null, loss: null, beta: 1, lr: null, seed: 0 });
    expect(s.out).toBe('/w/runs/vae-mnist-20261122-010203');
  });

  it('converts flag strings to typed values and gives GANs their loss and lr', () => {
    const s = resolve({ model: 'dcgan', loss: 'hinge', 'batch-size': '32', steps: '10', lr: '0.0005', seed: '7', workers: '3' });
    expect(s).toMatchObject({ model: 'dcgan', loss: 'hinge', batchSize: 32, steps: 10, epochs: null, lr: 0.0005, seed: 7, workers: 3, beta: null });
    expect(resolve({ model: 'mlp-gan' })).toMatchObject({ loss: 'non-saturating', lr: null, lrSchedule: 'constant' });
  });

  it('takes --lr-schedule constant|cosine; cosine anneals over the whole run in the run config', () => {
    const s = resolve({ 'lr-schedule': 'cosine', steps: '40' });
    expect(s.lrSchedule).toBe('cosine');
    expect(buildRunConfig(s, [28, 28, 1], 40).trainer).toEqual({ lrSchedule: { kind: 'cosine', steps: 40 } });
    expect(buildRunConfig(resolve({}), [28, 28, 1], 40).trainer).toEqual({});
    expect(settingsFromRunConfig(buildRunConfig(s, [28, 28, 1], 40))['lr-schedule']).toBe('cosine');
    expect(() => resolve({ 'lr-schedule': 'step' })).toThrow(/--lr-schedule must be one of constant, cosine, got 'step'/);
  });

  it('takes --normalization batch|none for dcgan only, into the model options', () => {
    const s = resolve({ model: 'dcgan', normalization: 'none' });
    expect(s.normalization).toBe('none');
    expect(buildRunConfig(s, [28, 28, 1], 10).modelOptions).toEqual({ imageShape: [28, 28, 1], normalization: 'none' });
    expect(buildRunConfig(resolve({ model: 'dcgan' }), [28, 28, 1], 10).modelOptions).toEqual({ imageShape: [28, 28, 1] });
    expect(settingsFromRunConfig(buildRunConfig(s, [28, 28, 1], 10)).normalization).toBe('none');
    expect(() => resolve({ model: 'vae', normalization: 'none' })).toThrow('--normalization applies only to the dcgan model, not vae.');
    expect(() => resolve({ model: 'dcgan', loss: 'wgan-gp', normalization: 'batch' })).toThrow(/--normalization batch cannot train with --loss wgan-gp/);
    expect(() => resolve({ model: 'dcgan', normalization: 'layer' })).toThrow(/--normalization must be one of batch, none, got 'layer'/);
  });

  it('takes --conditional (flag or config key) for every model, with the class count of the data in the model options', () => {
    for (const model of MODEL_NAMES) {
      const s = resolve({ model, conditional: true });
      expect(s.conditional).toBe(true);
      expect(buildRunConfig(s, [28, 28, 1], 10, 10).modelOptions).toMatchObject({ conditional: true, classes: 10 });
      expect(settingsFromRunConfig(buildRunConfig(s, [28, 28, 1], 10, 10)).conditional).toBe(true);
    }
    const fromFile = resolve({ model: 'dcgan', config: file('conditional.yaml', 'conditional: true\n') });
    expect(fromFile.conditional).toBe(true);
    // false is spelled as absent: the run config (and its hash) of an unconditional run is unchanged.
    expect(buildRunConfig(resolve({ model: 'dcgan', config: file('off.yaml', 'conditional: false\n') }), [28, 28, 1], 10, 10).modelOptions).toEqual({ imageShape: [28, 28, 1] });
    expect(buildRunConfig(resolve({ model: 'vae' }), [28, 28, 1], 10, 10).modelOptions).toEqual({ imageShape: [28, 28, 1], beta: 1 });
    expect(() => resolve({ config: file('bad.yaml', 'conditional: yes please\n') })).toThrow(/'conditional' in .*bad\.yaml must be true or false, got 'yes please'/);
  });

  it('takes --ema <decay> for GANs only, into the model options (0 or absent: no average)', () => {
    const s = resolve({ model: 'dcgan', ema: '0.999' });
    expect(s.ema).toBe(0.999);
    expect(buildRunConfig(s, [28, 28, 1], 10).modelOptions).toEqual({ imageShape: [28, 28, 1], ema: 0.999 });
    expect(settingsFromRunConfig(buildRunConfig(s, [28, 28, 1], 10)).ema).toBe(0.999);
    expect(resolve({ model: 'mlp-gan', ema: '0' }).ema).toBeNull();
    expect(buildRunConfig(resolve({ model: 'mlp-gan' }), [28, 28, 1], 10).modelOptions).toEqual({ imageShape: [28, 28, 1] });
    expect(() => resolve({ model: 'vae', ema: '0.99' })).toThrow("--ema applies only to the GAN models mlp-gan and dcgan: it averages the generator's weights.");
    expect(() => resolve({ model: 'dcgan', ema: '1' })).toThrow(/--ema must be a number from 0 to 0.99999, got '1'/);
  });

  it('takes --refine <n> for dcgan only, into the model options (0 or absent: the anchor generator)', () => {
    const s = resolve({ model: 'dcgan', refine: '2' });
    expect(s.refine).toBe(2);
    expect(buildRunConfig(s, [28, 28, 1], 10).modelOptions).toEqual({ imageShape: [28, 28, 1], refine: 2 });
    expect(settingsFromRunConfig(buildRunConfig(s, [28, 28, 1], 10)).refine).toBe(2);
    expect(resolve({ model: 'dcgan', refine: '0' }).refine).toBeNull();
    expect(resolve({ config: file('refine.yaml', 'model: dcgan\nrefine: 1\n') }).refine).toBe(1);
    expect(sentence({ model: 'mlp-gan', refine: '1' })).toBe('--refine applies only to the dcgan model, not mlp-gan.');
    expect(sentence({ model: 'dcgan', refine: '5' })).toBe("--refine must be a whole number from 0 to 4, got '5'.");
    expect(sentence({ model: 'dcgan', refine: 'one' })).toBe("--refine must be a whole number from 0 to 4, got 'one'.");
  });

  it('takes --augment <list> for GANs only, into the Trainer options (none or absent: no augmentation)', () => {
    const s = resolve({ model: 'dcgan', augment: 'cutout, translation,cutout' });
    expect(s.augment).toEqual(['translation', 'cutout']);
    expect(buildRunConfig(s, [28, 28, 1], 10).trainer).toEqual({ loss: 'non-saturating', augment: ['translation', 'cutout'] });
    expect(settingsFromRunConfig(buildRunConfig(s, [28, 28, 1], 10)).augment).toEqual(['translation', 'cutout']);
    expect(resolve({ model: 'mlp-gan', augment: 'none' }).augment).toBeNull();
    expect(buildRunConfig(resolve({ model: 'mlp-gan' }), [28, 28, 1], 10).trainer).toEqual({ loss: 'non-saturating' });
    expect(resolve({ config: file('augment.yaml', 'model: dcgan\naugment: [translation]\n') }).augment).toEqual(['translation']);
    expect(sentence({ model: 'vae', augment: 'cutout' })).toBe("--augment applies only to the GAN models mlp-gan and dcgan: it transforms the discriminator's inputs.");
    expect(sentence({ model: 'dcgan', augment: 'flip' })).toBe("--augment must be a comma-separated list of translation, cutout, or none, got 'flip'.");
    expect(sentence({ model: 'dcgan', augment: '' })).toBe("--augment must be a comma-separated list of translation, cutout, or none, got ''.");
    expect(sentence({ config: file('augment-bad.yaml', 'model: dcgan\naugment: [translation, 3]\n') })).toMatch(
      /'augment' in .*augment-bad\.yaml must be a comma-separated list of translation, cutout, or none, got \["translation",3\]\./,
    );
  });

  it("refuses a model-specific setting, from a flag or a file, for every model its field's appliesTo leaves out", () => {
    const given: Record<string, string> = { loss: 'hinge', normalization: 'none', ema: '0.5', refine: '1', augment: 'cutout', beta: '2' };
    const limited = TRAIN_FIELD_NAMES.filter((key) => metaOf(TRAIN_FIELDS[key]).appliesTo !== undefined);
    expect(limited.sort()).toEqual(Object.keys(given).sort());
    for (const key of limited) {
      const appliesTo = metaOf(TRAIN_FIELDS[key]).appliesTo ?? [];
      for (const model of MODEL_NAMES) {
        if (appliesTo.includes(model)) {
          expect(() => resolve({ model, [key]: given[key] })).not.toThrow();
        } else {
          const said = sentence({ model, [key]: given[key] });
          expect(said).toMatch(new RegExp(`^--${key} applies only to the (GAN models|VAE models|dcgan model)`));
          for (const allowed of appliesTo) expect(said).toContain(allowed);
          expect(sentence({ model, config: file(`${key}-${model}.yaml`, `${key}: ${given[key]}\n`) })).toMatch(new RegExp(`^'${key}' in .*applies only to`));
        }
      }
    }
  });

  it('takes --data-plane auto|star|shared|hierarchical (default auto)', () => {
    expect(resolve({}).dataPlane).toBe('auto');
    expect(resolve({ 'data-plane': 'star' }).dataPlane).toBe('star');
    expect(resolve({ 'data-plane': 'hierarchical' }).dataPlane).toBe('hierarchical');
    expect(() => resolve({ 'data-plane': 'ring' })).toThrow(/--data-plane must be one of auto, star, shared, hierarchical, got 'ring'/);
    // solo (one worker averaging alone) is auto's to pick, not a choice.
    expect(() => resolve({ 'data-plane': 'solo' })).toThrow(/--data-plane must be one of auto, star, shared, hierarchical, got 'solo'/);
  });

  it('lets flags override a YAML config file, with camelCase or flag-named keys', () => {
    const path = file('run.yaml', 'model: conv-vae\nbatchSize: 16\nsteps: 5\nseed: 3\n');
    expect(resolve({ config: path })).toMatchObject({ model: 'conv-vae', batchSize: 16, steps: 5, seed: 3 });
    expect(resolve({ config: path, seed: '9', epochs: '2' })).toMatchObject({ seed: 9, epochs: 2, steps: null });
  });

  it('reads JSON config files', () => {
    const path = file('run.json', JSON.stringify({ model: 'mlp-gan', loss: 'lsgan', 'sample-every': 4 }));
    expect(resolve({ config: path })).toMatchObject({ model: 'mlp-gan', loss: 'lsgan', sampleEvery: 4 });
  });

  it('parses --gpus and moves GPU runs to the tensorflow backend', () => {
    expect(resolve({ gpus: '0,1' })).toMatchObject({ gpus: [0, 1], workers: 2, backend: 'tensorflow' });
    expect(resolve({ gpus: 'all' })).toMatchObject({ gpus: 'all', backend: 'tensorflow' });
  });

  it('requires and checks --bind for the coordinator only', () => {
    expect(resolve({}, 'coordinator').bind).toBe('tcp://0.0.0.0:5555');
    expect(resolve({ bind: 'tcp://127.0.0.1:6000' }, 'coordinator').bind).toBe('tcp://127.0.0.1:6000');
    expect(sentence({ bind: 'localhost:5555' }, 'coordinator')).toMatch(/--bind must be an address like tcp:\/\/0\.0\.0\.0:5555/);
  });

  it.each([
    [{ model: 'vqvae' }, /--model must be one of vae, conv-vae, mlp-gan, dcgan, got 'vqvae'/],
    [{ model: 'dcgan', loss: 'wasserstein' }, /--loss must be one of minimax, non-saturating, lsgan, hinge, wgan-gp/],
    [{ loss: 'hinge' }, /--loss applies only to the GAN models mlp-gan and dcgan/],
    [{ model: 'dcgan', beta: '2' }, /--beta applies only to the VAE models/],
    [{ dataset: 'cifar10' }, /--dataset 'cifar10' is not a dataset; use mnist, fashion-mnist, idx:<path>, npy:<path> or images:<dir>/],
    [{ dataset: 'npy:/nonexistent/x.npy' }, /\/nonexistent\/x\.npy does not exist/],
    [{ dataset: 'images:' }, /names no path/],
    [{ workers: '0' }, /--workers must be a whole number from 1 to 64, got '0'/],
    [{ workers: 'two' }, /--workers must be a whole number/],
    [{ 'batch-size': '1.5' }, /--batch-size must be a whole number from 1 to 65536/],
    [{ lr: '0' }, /--lr must be a number greater than 0/],
    [{ lr: 'fast' }, /--lr must be a number greater than 0 and at most 10, got 'fast'/],
    [{ seed: '-1' }, /--seed must be a whole number from 0 to 4294967295/],
    [{ steps: '5', epochs: '2' }, /--steps and --epochs cannot be used together/],
    [{ workers: '2', gpus: '0' }, /--workers and --gpus cannot be used together/],
    [{ gpus: '0,0' }, /lists GPU 0 twice/],
    [{ gpus: 'first' }, /--gpus must be 'all' or a comma-separated list of GPU ids/],
    [{ gpus: '0', backend: 'wasm' }, /--gpus needs --backend tensorflow/],
    [{ backend: 'webgl' }, /--backend must be one of auto, tensorflow, wasm, cpu/],
    [{ 'batch-size': '2', workers: '3' }, /--batch-size 2 is the global batch and cannot be split over 3 workers/],
    [{ config: '/nonexistent/run.yaml' }, /--config \/nonexistent\/run\.yaml does not exist/],
    [{ config: 'run.toml' }, /must be a \.yaml, \.yml or \.json file/],
  ])('rejects %j with one sentence', (flags, pattern) => {
    expect(sentence(flags)).toMatch(pattern);
  });

  it('rejects bad config files: unknown keys, wrong types, malformed text, conflicts', () => {
    expect(sentence({ config: file('unknown.yaml', 'model: vae\nbatch: 3\n') })).toMatch(/has unknown key 'batch'; allowed keys are model, loss, dataset/);
    expect(sentence({ config: file('types.yaml', 'workers: "two"\n') })).toMatch(/'workers' in .*types\.yaml must be a whole number from 1 to 64, got 'two'/);
    expect(sentence({ config: file('string-num.yaml', 'steps: "10"\n') })).toMatch(/'steps' in .* must be a whole number/);
    expect(sentence({ config: file('range.json', '{"lr": 50}') })).toMatch(/'lr' in .*range\.json must be a number greater than 0 and at most 10, got 50/);
    expect(sentence({ config: file('bad.yaml', 'model: [vae\n') })).toMatch(/is not valid YAML/);
    expect(sentence({ config: file('bad.json', '{"model": ') })).toMatch(/is not valid JSON/);
    expect(sentence({ config: file('list.yaml', '- vae\n') })).toMatch(/must hold a mapping of settings/);
    expect(sentence({ config: file('both.yaml', 'steps: 3\nepochs: 1\n') })).toMatch(/'steps' in .* and 'epochs' in .* cannot be used together/);
    expect(sentence({ config: file('bind.yaml', 'bind: tcp://0.0.0.0:1\n') })).toMatch(/has unknown key 'bind'/);
  });

  it('lets a flag replace the file\'s run length or worker kind instead of conflicting', () => {
    const path = file('len.yaml', 'epochs: 4\nworkers: 1\n');
    expect(resolve({ config: path, steps: '8' })).toMatchObject({ steps: 8, epochs: null });
    expect(resolve({ config: path, gpus: '1' })).toMatchObject({ gpus: [1], workers: 1 });
  });
});

describe('resolveTrainSettings --resume', () => {
  const stored = { model: 'vae', loss: null, dataset: 'mnist', 'batch-size': 16, lr: 0.001, beta: 1, seed: 4, steps: 6, epochs: null, 'checkpoint-every': 2, 'sample-every': 0, backend: 'wasm' };
  const readRun = () => stored;

  it('takes the stored settings and lets --steps extend the run', () => {
    const s = resolveTrainSettings({ command: 'train', flags: { resume: 'runs/a', steps: '12' }, readRun, now, cwd: '/w' });
    expect(s).toMatchObject({ out: '/w/runs/a', resume: '/w/runs/a', batchSize: 16, seed: 4, steps: 12, checkpointEvery: 2, backend: 'wasm' });
    expect(resolveTrainSettings({ command: 'train', flags: { resume: 'runs/a' }, readRun, now, cwd: '/w' })).toMatchObject({ steps: 6 });
  });

  it('keeps the launch settings (workers or gpus, tensorboard, data plane) unless the command line gives them', () => {
    const launched = { ...stored, gpus: [0, 1], backend: 'tensorflow', tensorboard: '/w/tb', 'data-plane': 'star', bind: 'tcp://127.0.0.1:7000' };
    const resume = (flags: Record<string, unknown>, command: 'train' | 'coordinator' = 'train') =>
      resolveTrainSettings({ command, flags: { resume: 'runs/a', ...flags }, readRun: () => launched, now, cwd: '/w' });
    expect(resume({})).toMatchObject({ gpus: [0, 1], workers: 2, tensorboard: '/w/tb', dataPlane: 'star', bind: null, checkpointEvery: 2 });
    expect(resume({ workers: '3', backend: 'wasm', 'checkpoint-every': '0' })).toMatchObject({ gpus: null, workers: 3, backend: 'wasm', checkpointEvery: 0 });
    // dgm coordinator has no --gpus: a train run's GPUs are not its setting, its address is.
    expect(resume({}, 'coordinator')).toMatchObject({ gpus: null, workers: 2, bind: 'tcp://127.0.0.1:7000' });
  });

  it('keeps --wire through settings.json unless the command line gives it again, as --data-plane', () => {
    const resume = (flags: Record<string, unknown>, run: Record<string, unknown>, command: 'train' | 'coordinator' = 'coordinator') =>
      resolveTrainSettings({ command, flags: { resume: 'runs/a', ...flags }, readRun: () => run, now, cwd: '/w' });
    expect(resolve({}, 'coordinator').wire).toBeNull();
    expect(resolve({ wire: 'bf16' }, 'coordinator').wire).toBe('bf16');
    expect(sentence({ wire: 'fp8' }, 'coordinator')).toBe("--wire must be one of fp32, bf16, fp16, got 'fp8'.");
    // Written and read back as a resume reads it: the stored format stays, a flag replaces it.
    const out = mkdtempSync(join(dir, 'wire-'));
    writeLaunchSettings({ ...resolve({ wire: 'bf16', out }, 'coordinator') });
    const kept = readLaunchSettings(out);
    expect(kept).toMatchObject({ wire: 'bf16' });
    expect(resume({}, { ...stored, ...kept }).wire).toBe('bf16');
    expect(resume({}, { ...stored, ...kept }, 'train').wire).toBe('bf16'); // dgm launch resolves as train
    expect(resume({ wire: 'fp32' }, { ...stored, ...kept }).wire).toBe('fp32');
    expect(resume({}, stored).wire).toBeNull();
  });

  it('refuses a resume whose settings differ from the stored run', () => {
    expect(() => resolveTrainSettings({ command: 'train', flags: { resume: 'runs/a', seed: '5' }, readRun, now, cwd: '/w' })).toThrow(
      /--resume \/w\/runs\/a: that run was trained with seed 4 but --seed asks for 5/,
    );
    expect(() => resolveTrainSettings({ command: 'train', flags: { resume: 'runs/a', out: 'runs/b' }, readRun, now, cwd: '/w' })).toThrow(
      /--out and --resume name different run directories/,
    );
  });

  it('keeps a GAN run\'s generator average: --ema must match it (0 and absent both mean none)', () => {
    const gan = { ...stored, model: 'dcgan', loss: 'non-saturating', beta: null, lr: null, ema: null };
    const resume = (flags: Record<string, unknown>, run: Record<string, unknown> = gan) =>
      resolveTrainSettings({ command: 'train', flags: { resume: 'runs/g', ...flags }, readRun: () => run, now, cwd: '/w' });
    expect(resume({}).ema).toBeNull();
    expect(resume({ ema: '0' }).ema).toBeNull();
    expect(() => resume({ ema: '0.999' })).toThrow(/that run was trained with ema \(the default\) but --ema asks for 0\.999/);
    expect(resume({}, { ...gan, ema: 0.999 }).ema).toBe(0.999);
    expect(() => resume({ ema: '0.99' }, { ...gan, ema: 0.999 })).toThrow(/that run was trained with ema 0\.999 but --ema asks for 0\.99/);
  });

  it("keeps a dcgan run's refinement layers: --refine must match them (0 and absent both mean none)", () => {
    const gan = { ...stored, model: 'dcgan', loss: 'non-saturating', beta: null, lr: null, refine: 1 };
    const resume = (flags: Record<string, unknown>, run: Record<string, unknown> = gan) =>
      resolveTrainSettings({ command: 'train', flags: { resume: 'runs/g', ...flags }, readRun: () => run, now, cwd: '/w' });
    expect(resume({}).refine).toBe(1);
    expect(resume({ refine: '1' }).refine).toBe(1);
    expect(() => resume({ refine: '2' })).toThrow(/that run was trained with refine 1 but --refine asks for 2/);
    expect(resume({ refine: '0' }, { ...gan, refine: null }).refine).toBeNull();
    expect(() => resume({ refine: '1' }, { ...gan, refine: null })).toThrow(/that run was trained with refine \(the default\) but --refine asks for 1/);
  });

  it("keeps a GAN run's augmentation: --augment must match it (none and absent both mean none)", () => {
    const gan = { ...stored, model: 'dcgan', loss: 'non-saturating', beta: null, lr: null, augment: ['translation', 'cutout'] };
    const resume = (flags: Record<string, unknown>, run: Record<string, unknown> = gan) =>
      resolveTrainSettings({ command: 'train', flags: { resume: 'runs/g', ...flags }, readRun: () => run, now, cwd: '/w' });
    expect(resume({}).augment).toEqual(['translation', 'cutout']);
    expect(resume({ augment: 'cutout,translation' }).augment).toEqual(['translation', 'cutout']);
    expect(() => resume({ augment: 'translation' })).toThrow(/that run was trained with augment \["translation","cutout"\] but --augment asks for \["translation"\]/);
    expect(resume({ augment: 'none' }, { ...gan, augment: null }).augment).toBeNull();
  });

  it('reads config.json from disk and explains a directory that is not a run', () => {
    const runDir = join(dir, 'not-a-run');
    mkdirSync(runDir);
    expect(() => resolve({ resume: runDir })).toThrow(/is not a dgm run directory: .*config\.json is missing/);
    writeFileSync(join(runDir, 'config.json'), '{"format": "other"}');
    expect(() => resolve({ resume: runDir })).toThrow(/is not a dgm run config/);
    const config = { model: 'vae', modelOptions: { imageShape: [28, 28, 1], beta: 1 }, trainer: {}, data: 'mnist', seed: 2, globalBatch: 8, steps: 4 };
    writeFileSync(join(runDir, 'config.json'), JSON.stringify({ config, configHash: 'x' }));
    expect(resolve({ resume: runDir, steps: '9' })).toMatchObject({ model: 'vae', batchSize: 8, seed: 2, steps: 9, beta: 1, lr: null, out: runDir });
    expect(() => resolve({ resume: runDir, lr: '0.01' })).toThrow(/trained with lr \(the default\) but --lr asks for 0\.01/);
  });
});

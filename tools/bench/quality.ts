// Sample-quality benchmarks of dgm (issue: data, checkpoints, metrics), kept out of `npm test`.
//
//   npm run build && node tools/dist/bench/quality.js <vae|dcgan> [--epochs N] [--batch N] [--seed S] [--eval-count N (<= half the test split; 1000 for mnist)]
//        [--lr-schedule constant|cosine] [--lr R (Adam's rate; default the Trainer's)] [--eval-every N (dcgan: FID every N epochs)]
//        [--normalization batch|none (dcgan)] [--ema D (dcgan: keep the generator's moving average with decay D; FID of both)]
//        [--width N (dcgan: filters of the first conv, default 64; compute grows as N^2)]
//        [--refine N (dcgan: 3x3 stride-1 layers G adds before its output, model option refine; default 0)]
//        [--loss non-saturating|minimax|lsgan|hinge|wgan-gp (dcgan; wgan-gp needs --normalization none)]
//        [--augment translation,cutout (dcgan: DiffAugment on D's inputs, the Trainer option augment)]
//        [--samples FILE.png (dcgan: a grid of 64 samples of the final model, written after the report; its folder must exist)]
//        [--conditional (dcgan: the class-conditional model, model option conditional; adds the classifier's accuracy on
//         samples drawn for each class, against its accuracy on real test images)]
//
// Trains in one process on the embedded backend with the real pieces a run uses (loadDataset,
// EpochSampler, Trainer), then scores the model on the held-out split:
//   vae    784-400-20 VAE on `mnist`: test ELBO in nats (beta = 1, test images binarised once),
//          plus the importance-weighted bound (k = 100). Target: -ELBO <= 100 nats.
//   dcgan  the anchor DCGAN on `mnist`: FID on the shipped classifier's features against the
//          test split, with the real-vs-real floor at the same count. Target: FID <= 5x floor.
// Prints progress, then one JSON line with every figure and the wall time.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { isInputError } from '@dgm/core/errors';
import { MAX_EMA_DECAY, type AugmentName, type GanLossName } from '@dgm/core/names';
import { readBenchArgs, refuse } from './bench-args.js';
import type { Settings } from './quality-run.js';

const USAGE = 'node tools/dist/bench/quality.js <vae|dcgan> [--epochs N] [--batch N] [--seed S] [--eval-count N] [--eval-every N] [--lr R] [--lr-schedule constant|cosine] [--normalization batch|none] [--ema D] [--width N] [--refine N] [--loss NAME] [--augment translation,cutout] [--samples FILE.png] [--conditional]';

function parse(): Settings {
  const { values, positionals } = readBenchArgs({ usage: USAGE, config: {
    allowPositionals: true,
    options: { epochs: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, 'eval-count': { type: 'string' }, 'eval-every': { type: 'string' }, 'lr-schedule': { type: 'string' }, lr: { type: 'string' }, normalization: { type: 'string' }, ema: { type: 'string' }, augment: { type: 'string' }, loss: { type: 'string' }, width: { type: 'string' }, refine: { type: 'string' }, samples: { type: 'string' }, conditional: { type: 'boolean' } },
  } });
  const model = positionals[0];
  if ((model !== 'vae' && model !== 'dcgan') || positionals.length > 1) refuse(`name one benchmark: 'vae' or 'dcgan'; usage: ${USAGE}`);
  // A flag only the dcgan benchmark uses; its value is then checked by the parsers below or by
  // core (model options, the Trainer's names and the wgan-gp/BatchNorm rule), whose input errors
  // exit 2 like the flags' (see the catch at the end).
  const dcgan = (name: 'augment' | 'loss' | 'width' | 'refine' | 'conditional'): string | undefined => {
    const raw = values[name] === true ? 'true' : (values[name] as string | undefined);
    if (raw !== undefined && model !== 'dcgan') refuse(`--${name} applies to dcgan only, got it for ${model}.`);
    return raw;
  };
  const int = (raw: string | undefined, fallback: number, name: string, min = 1): number => {
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min) refuse(`--${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got '${raw}'.`);
    return v;
  };
  return {
    model,
    epochs: int(values.epochs, model === 'vae' ? 60 : 15, 'epochs'),
    batch: int(values.batch, model === 'vae' ? 100 : 64, 'batch'),
    seed: int(values.seed, 1, 'seed'),
    evalCount: int(values['eval-count'], 1000, 'eval-count'),
    evalEvery: values['eval-every'] === undefined ? 0 : int(values['eval-every'], 0, 'eval-every'),
    lr: values.lr === undefined ? null : numberIn(values.lr, 'lr', { min: 0, max: 1, minExclusive: true }),
    lrSchedule: choice(values['lr-schedule'], ['constant', 'cosine'], 'lr-schedule'),
    normalization: choice(values.normalization, ['batch', 'none'], 'normalization'),
    ema: values.ema === undefined ? 0 : numberIn(values.ema, 'ema', { min: 0, max: MAX_EMA_DECAY }),
    augment: (dcgan('augment')?.split(',') as AugmentName[] | undefined) ?? [],
    loss: (dcgan('loss') as GanLossName | undefined) ?? null,
    width: int(dcgan('width'), 64, 'width'),
    refine: int(dcgan('refine'), 0, 'refine', 0),
    samples: values.samples === undefined ? null : writablePath(values.samples, 'samples'),
    conditional: values.conditional === true && dcgan('conditional') !== undefined,
  };
}

/** A file path whose folder exists, checked before hours of training rather than after. */
function writablePath(raw: string, name: string): string {
  const dir = dirname(resolvePath(raw));
  if (raw.trim() === '' || !existsSync(dir) || !statSync(dir).isDirectory()) refuse(`--${name} must name a file in an existing folder, got '${raw}'.`);
  return raw;
}

/** A flag's number in [min, max] (min excluded if asked); anything else exits 2 with a sentence. */
function numberIn(raw: string, name: string, range: { min: number; max: number; minExclusive?: boolean }): number {
  const v = Number(raw);
  const aboveMin = range.minExclusive ? v > range.min : v >= range.min;
  if (raw.trim() === '' || !Number.isFinite(v) || !aboveMin || v > range.max) refuse(`--${name} must be a number in ${range.minExclusive ? '(' : '['}${range.min}, ${range.max}], got '${raw}'.`);
  return v;
}

/** A flag's value among `allowed` (the first is the default); anything else exits 2 with a sentence. */
function choice<T extends string>(raw: string | undefined, allowed: readonly T[], name: string): T {
  if (raw === undefined) return allowed[0]!;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  refuse(`--${name} must be one of ${allowed.join(', ')}, got '${raw}'.`);
}

// The flags are read before TensorFlow.js loads (quality-run.ts): a mistake is answered at once.
const settings = parse();
try {
  const { runQuality } = await import('./quality-run.js');
  await runQuality(settings);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  // A setting core refuses (e.g. --width over its limit) is the caller's mistake, as for the flags.
  process.exit(isInputError(err) ? 2 : 1);
}

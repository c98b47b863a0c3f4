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
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { tf } from '@dgm/core';
import { createModel, initBackend, isInputError, MAX_EMA_DECAY, Trainer } from '@dgm/core';
import type { AugmentName, GanLossName, GanModel, TrainerOptions, VaeModel } from '@dgm/core';
import { balancedLabels, EpochSampler, GanEvaluator, evaluateVae, ganSampleGrid, loadDataset, type GanMetrics } from '@dgm/core/node';

interface Settings {
  model: 'vae' | 'dcgan';
  epochs: number;
  batch: number;
  seed: number;
  evalCount: number;
  /** dcgan: also score FID after every this many epochs (0: only at the end). */
  evalEvery: number;
  /** Adam's learning rate; null: the Trainer's default for the model (2e-4 GANs, 1e-3 VAEs). */
  lr: number | null;
  /** 'cosine': anneal the learning rate to 0 over the run (core's lrSchedule). */
  lrSchedule: 'constant' | 'cosine';
  /** dcgan: 'batch' (default, the paper's) or 'none' (the anchor's exact network). */
  normalization: 'batch' | 'none';
  /** dcgan: decay of the generator's moving average (model option ema); 0: none. */
  ema: number;
  /** dcgan: model option width (filters of D's first conv and G's last hidden layer). */
  width: number;
  /** dcgan: model option refine (3x3 stride-1 layers at G's last hidden resolution). */
  refine: number;
  /** dcgan: the GAN objective (Trainer option loss); null: the Trainer's default. */
  loss: GanLossName | null;
  /** dcgan: DiffAugment transforms for D's inputs (Trainer option augment); []: none. */
  augment: AugmentName[];
  /** dcgan: where to write a PNG grid of the final model's samples; null: none. */
  samples: string | null;
  /** dcgan: model option conditional (labels go with every batch; samples are drawn per class). */
  conditional: boolean;
}

function parse(): Settings {
  const { values, positionals } = parseFlags({
    allowPositionals: true,
    options: { epochs: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, 'eval-count': { type: 'string' }, 'eval-every': { type: 'string' }, 'lr-schedule': { type: 'string' }, lr: { type: 'string' }, normalization: { type: 'string' }, ema: { type: 'string' }, augment: { type: 'string' }, loss: { type: 'string' }, width: { type: 'string' }, refine: { type: 'string' }, samples: { type: 'string' }, conditional: { type: 'boolean' } },
  });
  const model = positionals[0];
  if (model !== 'vae' && model !== 'dcgan') {
    console.error("name one benchmark: 'vae' or 'dcgan'.");
    process.exit(2);
  }
  // A flag only the dcgan benchmark uses; its value is then checked by the parsers below or by
  // core (model options, the Trainer's names and the wgan-gp/BatchNorm rule), whose input errors
  // exit 2 like the flags' (see main's catch).
  const dcgan = (name: 'augment' | 'loss' | 'width' | 'refine' | 'conditional'): string | undefined => {
    const raw = values[name] === true ? 'true' : (values[name] as string | undefined);
    if (raw !== undefined && model !== 'dcgan') {
      console.error(`--${name} applies to dcgan only, got it for ${model}.`);
      process.exit(2);
    }
    return raw;
  };
  const int = (raw: string | undefined, fallback: number, name: string, min = 1): number => {
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min) {
      console.error(`--${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got '${raw}'.`);
      process.exit(2);
    }
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

/** node:util parseArgs, with its complaints (unknown flag, missing value) as exit 2. */
function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error));
    process.exit(2);
  }
}

/** A file path whose folder exists, checked before hours of training rather than after. */
function writablePath(raw: string, name: string): string {
  const dir = dirname(resolvePath(raw));
  if (raw.trim() === '' || !existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(`--${name} must name a file in an existing folder, got '${raw}'.`);
    process.exit(2);
  }
  return raw;
}

/** A flag's number in [min, max] (min excluded if asked); anything else exits 2 with a sentence. */
function numberIn(raw: string, name: string, range: { min: number; max: number; minExclusive?: boolean }): number {
  const v = Number(raw);
  const aboveMin = range.minExclusive ? v > range.min : v >= range.min;
  if (raw.trim() === '' || !Number.isFinite(v) || !aboveMin || v > range.max) {
    console.error(`--${name} must be a number in ${range.minExclusive ? '(' : '['}${range.min}, ${range.max}], got '${raw}'.`);
    process.exit(2);
  }
  return v;
}

/** A flag's value among `allowed` (the first is the default); anything else exits 2 with a sentence. */
function choice<T extends string>(raw: string | undefined, allowed: readonly T[], name: string): T {
  if (raw === undefined) return allowed[0]!;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  console.error(`--${name} must be one of ${allowed.join(', ')}, got '${raw}'.`);
  process.exit(2);
}

/** The training split as the loop reads it: images, and labels for a conditional model. */
interface TrainImages {
  count: number;
  batch(i: ArrayLike<number>): tf.Tensor4D;
  labelsAt(i: ArrayLike<number>): Uint8Array;
}

async function train(trainer: Trainer, s: Settings, images: TrainImages, onEpoch: (e: number, losses: Record<string, number>) => void | Promise<void>): Promise<number> {
  const sampler = new EpochSampler({ count: images.count, globalBatch: s.batch, seed: s.seed });
  let step = 0;
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    const sums: Record<string, number> = {};
    for (let k = 0; k < sampler.stepsPerEpoch; k++, step++) {
      const indices = sampler.window(epoch, k);
      const batch = images.batch(indices);
      const labels = s.conditional ? Int32Array.from(images.labelsAt(indices)) : undefined;
      const m = await trainer.step(step, { images: batch, indices, ...(labels === undefined ? {} : { labels }) });
      batch.dispose();
      for (const [name, v] of Object.entries(m.losses)) sums[name] = (sums[name] ?? 0) + v / sampler.stepsPerEpoch;
    }
    await onEpoch(epoch, sums);
  }
  return step;
}

/** Trainer options of the run: the seed, and the learning-rate schedule over all its steps. */
function trainerOptions(s: Settings, trainCount: number): TrainerOptions {
  const steps = s.epochs * Math.floor(trainCount / s.batch);
  return {
    seed: s.seed,
    ...(s.lr === null ? {} : { lr: s.lr }),
    ...(s.augment.length === 0 ? {} : { augment: s.augment }),
    ...(s.loss === null ? {} : { loss: s.loss }),
    lrSchedule: s.lrSchedule === 'cosine' ? { kind: 'cosine', steps } : 'constant',
  };
}

async function main(): Promise<void> {
  const s = parse();
  const started = performance.now();
  const backend = await initBackend('wasm');
  const data = await loadDataset('mnist');
  console.log(`${s.model} on mnist (${data.train.count} train / ${data.test.count} test), ${s.epochs} epochs, batch ${s.batch}, lr ${s.lr ?? 'default'}, lr schedule ${s.lrSchedule}${s.model === 'dcgan' ? `, width ${s.width}, refine ${s.refine}, normalization ${s.normalization}, ema ${s.ema}, loss ${s.loss ?? 'default'}, augment ${s.augment.join(',') || 'none'}${s.conditional ? ', conditional' : ''}` : ''}, ${backend.backend}`);
  let samplesPng: Uint8Array | null = null;
  const report: Record<string, unknown> = { bench: `quality-${s.model}`, settings: s, backend: backend.backend };
  const log = (e: number, l: Record<string, number>) =>
    console.log(`  epoch ${e + 1}: ${Object.entries(l).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}  (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  if (s.model === 'vae') {
    const model = createModel('vae', { seed: s.seed }) as VaeModel;
    const trainer = new Trainer(model, trainerOptions(s, data.train.count));
    const steps = await train(trainer, s, data.train, log);
    const trainSeconds = (performance.now() - started) / 1000;
    const result = await evaluateVae(model, data.test, { k: 100 });
    console.log(`test ELBO ${result.elbo.toFixed(2)} nats (-ELBO ${(-result.elbo).toFixed(2)}; target <= 100), IWAE(k=100) ${result.iwae?.toFixed(2)}, recon ${result.reconstruction.toFixed(2)}, KL ${result.kl.toFixed(2)}`);
    Object.assign(report, { steps, trainSeconds, negElbo: -result.elbo, evaluation: result, targetMet: -result.elbo <= 100 });
    trainer.dispose();
    model.dispose();
  } else {
    const model = createModel('dcgan', { seed: s.seed, normalization: s.normalization, ema: s.ema, width: s.width, refine: s.refine, ...(s.conditional ? { conditional: true, classes: data.numClasses } : {}) }) as GanModel;
    const trainer = new Trainer(model, trainerOptions(s, data.train.count));
    const evaluator = await GanEvaluator.create({ dataset: data, count: s.evalCount, seed: s.seed });
    // model.sampler is what dgm samples from: the generator's average with --ema, else G itself.
    // A conditional model draws sample i for class i mod 10 (as many of each class), and the
    // evaluator scores the classifier's accuracy against those classes.
    const classes = model.classes ? balancedLabels(s.evalCount, model.classes) : undefined;
    const score = (generator: tf.LayersModel = model.sampler) =>
      evaluator.evaluate(
        (n, start) =>
          tf.tidy(() => {
            const z = tf.randomNormal([n, model.latentDim], 0, 1, 'float32', s.seed + start);
            const inputs = classes === undefined ? z : [z, tf.tensor2d(classes.subarray(start, start + n), [n, 1], 'int32')];
            const x = generator.predict(inputs) as tf.Tensor;
            return x.add(1).div(2).clipByValue(0, 1);
          }),
        classes,
      );
    const accuracyText = (m: GanMetrics): string =>
      m.classAccuracy === undefined
        ? ''
        : `; class accuracy ${(100 * m.classAccuracy.accuracy).toFixed(1)}% (real ${(100 * (m.realClassAccuracy?.accuracy ?? Number.NaN)).toFixed(1)}%), per class ${m.classAccuracy.perClass.map((a) => (100 * a).toFixed(0)).join(' ')}`;
    // Intermediate scores (--eval-every) show how far training still moves FID; the time spent
    // scoring is left out of trainSeconds. With --ema the live generator is scored too
    // (generatorFid), to show what the average adds.
    const curve: { epoch: number; fid: number; floorFid: number; generatorFid?: number; classAccuracy?: number; perClassAccuracy?: number[] }[] = [];
    let scoringSeconds = 0;
    const steps = await train(trainer, s, data.train, async (e, l) => {
      log(e, l);
      if (s.evalEvery > 0 && (e + 1) % s.evalEvery === 0 && e + 1 < s.epochs) {
        const t0 = performance.now();
        const m = await score();
        const live = model.generatorEma ? (await score(model.generator)).fid : undefined;
        scoringSeconds += (performance.now() - t0) / 1000;
        curve.push({ epoch: e + 1, fid: m.fid, floorFid: m.floorFid, ...(live === undefined ? {} : { generatorFid: live }), ...(m.classAccuracy === undefined ? {} : { classAccuracy: m.classAccuracy.accuracy, perClassAccuracy: m.classAccuracy.perClass }) });
        console.log(`  after epoch ${e + 1}: FID ${m.fid.toFixed(3)} (${(m.fid / m.floorFid).toFixed(2)}x floor)${live === undefined ? '' : `; live generator ${live.toFixed(3)}`}; classes ${m.classHistogram.join(' ')}${accuracyText(m)}`);
      }
    });
    const trainSeconds = (performance.now() - started) / 1000 - scoringSeconds;
    const metrics = await score();
    const generatorFid = model.generatorEma ? (await score(model.generator)).fid : undefined;
    // A conditional model's grid: one row of 8 per class.
    samplesPng = s.samples === null ? null : ganSampleGrid(model, s.seed, model.classes ? 8 : 64);
    evaluator.dispose();
    const ratio = metrics.fid / metrics.floorFid;
    console.log(`FID ${metrics.fid.toFixed(3)} vs real-vs-real floor ${metrics.floorFid.toFixed(3)} at ${metrics.count} samples (${ratio.toFixed(2)}x; target <= 5x); classifier score ${metrics.classifierScore.toFixed(2)} (real ${metrics.realClassifierScore.toFixed(2)}); classes ${metrics.classHistogram.join(' ')}${generatorFid === undefined ? '' : `; live generator (without the average) FID ${generatorFid.toFixed(3)}`}${accuracyText(metrics)}`);
    Object.assign(report, { steps, trainSeconds, fid: metrics.fid, floorFid: metrics.floorFid, ratio, classifierScore: metrics.classifierScore, realClassifierScore: metrics.realClassifierScore, classHistogram: metrics.classHistogram, generatorFid, classAccuracy: metrics.classAccuracy, realClassAccuracy: metrics.realClassAccuracy, curve, targetMet: ratio <= 5 });
    trainer.dispose();
    model.dispose();
  }
  report.wallSeconds = (performance.now() - started) / 1000;
  console.log(`wall time ${(report.wallSeconds as number).toFixed(0)} s`);
  console.log(JSON.stringify(report));
  // After the figures are printed: a failed write cannot lose them.
  if (samplesPng !== null && s.samples !== null) {
    try {
      writeFileSync(s.samples, samplesPng);
      console.log(`samples: ${s.samples}`);
    } catch (error) {
      console.error(`could not write the samples to ${s.samples}: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  // A setting core refuses (e.g. --width over its limit) is the caller's mistake, as for the flags.
  process.exit(isInputError(err) ? 2 : 1);
});

// The training and scoring of quality.ts (see there for the benchmarks and their flags): the
// model trained in this process with the real pieces a run uses, then scored on the held-out
// split. Apart from quality.ts so that its flags are read before this module loads TensorFlow.js.
import { writeFileSync } from 'node:fs';
import { tf } from '@dgm/core';
import { createModel, initBackend, Trainer } from '@dgm/core';
import type { AugmentName, GanLossName, GanModel, TrainerOptions, VaeModel } from '@dgm/core';
import { balancedLabels, EpochSampler, GanEvaluator, evaluateVae, ganSampleGrid, loadDataset, type GanMetrics } from '@dgm/core/node';

/** What quality.ts read from its flags. */
export interface Settings {
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

/** Trains and scores one benchmark, printing progress and then one JSON line of every figure. */
export async function runQuality(s: Settings): Promise<void> {
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

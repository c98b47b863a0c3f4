// Scores of a trained model, as `dgm eval` and the end of `dgm train` report them.
// Types only: erased at build, so printing --help never loads tfjs.
import type { ClassAccuracy, GanMetrics, VaeEvaluation } from '@dgm/core/node';
import { UsageError } from '../errors.js';
import { formatNumber } from '../progress/format.js';
import { generateImages, type TrainedModel } from './trained-model.js';

/**
 * A conditional model's class accuracies: the shipped classifier on `count` samples drawn for
 * each class in turn (sample i for class i mod classes), and on real test images.
 */
export interface ClassAccuracies {
  classAccuracy: ClassAccuracy;
  realClassAccuracy: ClassAccuracy;
}

/** What `dgm eval` reports: core's own result types, narrowed to the fields it prints. */
export type Evaluation =
  | ({ family: 'vae'; dataset: string } & Pick<VaeEvaluation, 'count' | 'elbo' | 'reconstruction' | 'kl' | 'binarized' | 'seed'> & Partial<ClassAccuracies>)
  | ({ family: 'gan' } & Pick<
      GanMetrics,
      'dataset' | 'count' | 'fid' | 'floorFid' | 'classifierScore' | 'realClassifierScore' | 'classHistogram' | 'realClassHistogram' | 'seed'
    > &
      Partial<ClassAccuracies>);

/** Datasets with a shipped classifier, on which GANs get FID and classifier scores. */
export const GAN_SCORED_DATASETS: readonly string[] = ['mnist', 'fashion-mnist'];

/** Generated images scored for a GAN (and the size of each real reference set) unless told otherwise. */
export const DEFAULT_EVAL_COUNT = 1000;

/** The dataset spec a checkpoint was trained on, from the run config stored in it. */
export function checkpointDataset(trained: TrainedModel): string {
  // The coordinator stores the runtime's RunConfig, whose dataset spec is `data`.
  const dataset = trained.state.config.data ?? trained.state.config.dataset;
  if (typeof dataset !== 'string') {
    throw new UsageError(`Checkpoint ${trained.dir} does not record its dataset in state.json, so it cannot be evaluated.`);
  }
  return dataset;
}

/** Test ELBO of a VAE on its dataset's test split; FID, classifier score and histogram of a GAN. */
export async function evaluateModel(trained: TrainedModel, options: { count: number; seed: number }): Promise<Evaluation> {
  const core = await import('@dgm/core/node');
  const dataset = checkpointDataset(trained);
  const { model } = trained;
  // A conditional model draws sample i for class i mod classes: as many of each class.
  const labels = model.classes ? core.balancedLabels(options.count, model.classes) : undefined;
  const classed = (m: GanMetrics): Partial<ClassAccuracies> =>
    m.classAccuracy && m.realClassAccuracy ? { classAccuracy: m.classAccuracy, realClassAccuracy: m.realClassAccuracy } : {};
  const generate = (n: number, start: number) => generateImages(trained, n, start, options.seed, labels?.subarray(start, start + n));
  if (model.family === 'vae') {
    const data = await core.loadDataset(dataset);
    // A conditional VAE's bound is of log p(x | y): the test images' own labels go in.
    const r = await core.evaluateVae(model, data.test, { seed: options.seed });
    // Its prior samples, drawn per class, are scored by the shipped classifier where there is one.
    const accuracies = labels !== undefined && GAN_SCORED_DATASETS.includes(dataset)
      ? classed(await core.computeGanMetrics({ dataset: data, count: options.count, seed: options.seed, generate, labels }))
      : {};
    return { family: 'vae', dataset, count: r.count, elbo: r.elbo, reconstruction: r.reconstruction, kl: r.kl, binarized: r.binarized, seed: r.seed, ...accuracies };
  }
  if (!GAN_SCORED_DATASETS.includes(dataset)) {
    throw new UsageError(`GAN metrics need the classifier shipped for mnist or fashion-mnist; this model was trained on ${dataset}.`);
  }
  const m = await core.computeGanMetrics({ dataset, count: options.count, seed: options.seed, generate, labels });
  return {
    family: 'gan',
    dataset,
    count: m.count,
    fid: m.fid,
    floorFid: m.floorFid,
    classifierScore: m.classifierScore,
    realClassifierScore: m.realClassifierScore,
    classHistogram: m.classHistogram,
    realClassHistogram: m.realClassHistogram,
    seed: m.seed,
    ...classed(m),
  };
}

/** The class-accuracy line of a conditional model's evaluation, or none. */
function accuracyLines(e: Partial<ClassAccuracies> & { count: number }): string[] {
  if (!e.classAccuracy || !e.realClassAccuracy) return [];
  const percent = (a: number) => `${(100 * a).toFixed(1)}%`;
  const perClass = e.classAccuracy.perClass.map((a, k) => `${k}: ${Number.isNaN(a) ? '-' : percent(a)}`).join(', ');
  return [
    `Class accuracy: ${percent(e.classAccuracy.accuracy)} of samples drawn per class are classified as their class (real test images: ${percent(e.realClassAccuracy.accuracy)})`,
    `Per class: ${perClass}`,
  ];
}

/** Human-readable lines of an evaluation. */
export function formatEvaluation(e: Evaluation): string[] {
  if (e.family === 'vae') {
    return [
      `Test ELBO: ${formatNumber(e.elbo)} nats per image (reconstruction ${formatNumber(e.reconstruction)}, KL ${formatNumber(e.kl)}; ${e.count} ${e.dataset} test images${e.binarized ? ', binarised' : ''})`,
      ...accuracyLines(e),
    ];
  }
  return [
    `FID: ${formatNumber(e.fid)} (floor ${formatNumber(e.floorFid)}: real vs real at ${e.count} images)`,
    `Classifier score: ${formatNumber(e.classifierScore)} (real data: ${formatNumber(e.realClassifierScore)})`,
    `Class histogram: ${e.classHistogram.join(' ')} (real: ${e.realClassHistogram.join(' ')})`,
    ...accuracyLines(e),
  ];
}

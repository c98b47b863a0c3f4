import * as tf from '#tfjs';
import { EpochSampler, loadDataset, type Dataset } from '../data/index.js';
import { classAccuracy, type ClassAccuracy } from './class-accuracy.js';
import { classPrediction } from './classifier-score.js';
import { assertClassifierDataset, loadEvalClassifier, type EvalClassifier } from './classifier.js';
import { EvalInputError } from './errors.js';
import { FeatureAccumulator, type FeatureStats } from './feature-stats.js';
import { frechetDistance } from './fid.js';

/**
 * Produces `n` generated images in [0,1] (NHWC [n,h,w,c] tensor, or a row-major Float32Array of
 * n·h·w·c values); `start` is the index of the first one, so a generator can key its noise by
 * sample index and give the same images whatever the batch size. A returned tensor is disposed
 * by the evaluator. GAN generators emit [-1,1]: rescale with (x + 1) / 2 first.
 */
export type ImageGenerator = (n: number, start: number) => tf.Tensor | Float32Array | Promise<tf.Tensor | Float32Array>;

/** Options shared by GanEvaluator.create and computeGanMetrics. */
export interface GanEvaluationOptions {
  /** 'mnist' | 'fashion-mnist', or a Dataset of that name from loadDataset. */
  dataset: string | Dataset;
  /** Generated images to score; also the size of EACH of the two real reference sets. */
  count: number;
  /** Chooses the two disjoint real subsets of the test split (default 0). */
  seed?: number;
  /** Images pushed through the classifier at a time (default 250). */
  batchSize?: number;
  /** Directory of a classifier to use instead of the shipped one (model.json, weights.bin, info.json). */
  classifierDir?: string;
}

/** GAN sample quality on the shipped classifier; every score comes with its real-data reference. */
export interface GanMetrics {
  dataset: string;
  /** Generated samples scored (= size of each real set). */
  count: number;
  seed: number;
  /** FID of the generated set against real test set A. */
  fid: number;
  /** FID of real test set B against real test set A: the floor at this sample count (FID is biased upward at small n). */
  floorFid: number;
  /** exp(E KL(p(y|x) ‖ p(y))) of the generated set, in [1, numClasses]. */
  classifierScore: number;
  /** The same score for real test set A, what a perfect generator would reach. */
  realClassifierScore: number;
  /** Predicted-class counts of the generated set; mode collapse shows as empty classes. */
  classHistogram: number[];
  /** Predicted-class counts of real test set A. */
  realClassHistogram: number[];
  /** Width of the classifier's penultimate layer the FID is computed on. */
  featureDim: number;
  /** Test accuracy of the classifier, from its info.json. */
  classifierAccuracy: number;
  /**
   * With `labels` (a conditional model's samples): the classifier's accuracy on the generated
   * images against the classes they were drawn for, and on real test set A against its labels.
   */
  classAccuracy?: ClassAccuracy;
  realClassAccuracy?: ClassAccuracy;
}

/** Features and class probabilities of a stream of image batches, accumulated in float64. */
interface EmbeddedSet {
  stats: FeatureStats;
  probabilities: Float32Array;
}

/**
 * Real-data side of the GAN metrics, prepared once (two disjoint real test subsets of `count`
 * images, their features and the floor FID) and reused for every evaluation of a run.
 */
export class GanEvaluator {
  readonly dataset: string;
  readonly count: number;
  readonly seed: number;
  readonly floorFid: number;
  /** Test-split indices of real set A, the reference every score is measured against. */
  readonly referenceIndices: Int32Array;
  /** Test-split indices of real set B, scored against A for the floor. */
  readonly floorIndices: Int32Array;
  private readonly batchSize: number;
  private readonly classifier: EvalClassifier;
  private readonly realStats: FeatureStats;
  private readonly realProbabilities: Float32Array;
  /** Labels of real set A, when the test split has labels. */
  private readonly realLabels: Uint8Array | null;

  private constructor(o: {
    dataset: string; count: number; seed: number; batchSize: number; classifier: EvalClassifier;
    real: EmbeddedSet; floorFid: number; referenceIndices: Int32Array; floorIndices: Int32Array; realLabels: Uint8Array | null;
  }) {
    this.realLabels = o.realLabels;
    this.dataset = o.dataset;
    this.count = o.count;
    this.seed = o.seed;
    this.batchSize = o.batchSize;
    this.classifier = o.classifier;
    this.realStats = o.real.stats;
    this.realProbabilities = o.real.probabilities;
    this.floorFid = o.floorFid;
    this.referenceIndices = o.referenceIndices;
    this.floorIndices = o.floorIndices;
  }

  /** Loads the dataset and classifier and embeds the two real reference sets. */
  static async create(options: GanEvaluationOptions): Promise<GanEvaluator> {
    const seed = options.seed ?? 0;
    const batchSize = options.batchSize ?? 250;
    if (!Number.isInteger(options.count) || options.count < 2) {
      throw new EvalInputError(`GAN metrics need an integer count of at least 2 samples; got ${options.count}.`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new EvalInputError(`batchSize must be a positive integer; got ${batchSize}.`);
    }
    if (!Number.isInteger(seed) || seed < 0) {
      throw new EvalInputError(`seed must be a non-negative integer; got ${seed}.`);
    }
    // Refuse a dataset without a classifier before spending seconds loading it.
    assertClassifierDataset(typeof options.dataset === 'string' ? options.dataset : options.dataset.name);
    const dataset = typeof options.dataset === 'string' ? await loadDataset(options.dataset) : options.dataset;
    const test = dataset.test;
    if (2 * options.count > test.count) {
      throw new EvalInputError(
        `GAN metrics compare ${options.count} samples with two disjoint real sets of the same size, but the ${dataset.name} test split has only ${test.count} images; use count ≤ ${Math.floor(test.count / 2)}.`,
      );
    }
    const classifier = await loadEvalClassifier(dataset.name, options.classifierDir === undefined ? {} : { dir: options.classifierDir });
    try {
      const shape = classifier.imageShape;
      if (dataset.imageShape.join() !== shape.join()) {
        throw new EvalInputError(`The ${dataset.name} classifier takes ${shape.join('x')} images; the dataset has ${dataset.imageShape.join('x')}.`);
      }
      // Two windows of one seeded permutation of the test split: disjoint by construction.
      const sampler = new EpochSampler({ count: test.count, globalBatch: options.count, seed, dropLast: true });
      const embedReal = (indices: Int32Array): Promise<EmbeddedSet> =>
        embedBatches(classifier, indices.length, batchSize, (n, start) => test.batch(indices.subarray(start, start + n)));
      const referenceIndices = sampler.window(0, 0);
      const floorIndices = sampler.window(0, 1);
      const realA = await embedReal(referenceIndices);
      const realB = await embedReal(floorIndices);
      return new GanEvaluator({
        dataset: dataset.name, count: options.count, seed, batchSize, classifier, real: realA,
        floorFid: frechetDistance(realB.stats, realA.stats).fid, referenceIndices, floorIndices,
        realLabels: test.labels === undefined ? null : Uint8Array.from(referenceIndices, (i) => (test.labels as Uint8Array)[i]),
      });
    } catch (error) {
      classifier.dispose();
      throw error;
    }
  }

  /**
   * Scores `count` images from `generate` against the real reference set. `labels` (one per
   * image: the classes a conditional model drew them for) adds the class accuracies.
   */
  async evaluate(generate: ImageGenerator, labels?: ArrayLike<number>): Promise<GanMetrics> {
    if (labels !== undefined && labels.length !== this.count) {
      throw new EvalInputError(`labels must give the class of each of the ${this.count} generated images; got ${labels.length}.`);
    }
    const shape = this.classifier.imageShape;
    const generated = await embedBatches(this.classifier, this.count, this.batchSize, async (n, start) => {
      const out = await generate(n, start);
      return await toImageTensor(out, n, shape);
    });
    const fake = classPrediction(generated.probabilities, this.classifier.numClasses);
    const real = classPrediction(this.realProbabilities, this.classifier.numClasses);
    return {
      dataset: this.dataset,
      count: this.count,
      seed: this.seed,
      fid: frechetDistance(generated.stats, this.realStats).fid,
      floorFid: this.floorFid,
      classifierScore: fake.classifierScore,
      realClassifierScore: real.classifierScore,
      classHistogram: fake.classHistogram,
      realClassHistogram: real.classHistogram,
      featureDim: this.classifier.featureDim,
      classifierAccuracy: this.classifier.info.accuracy,
      ...(labels === undefined
        ? {}
        : {
            classAccuracy: classAccuracy(generated.probabilities, this.classifier.numClasses, labels),
            ...(this.realLabels === null ? {} : { realClassAccuracy: classAccuracy(this.realProbabilities, this.classifier.numClasses, this.realLabels) }),
          }),
    };
  }

  /** Frees the classifier's weights. */
  dispose(): void {
    this.classifier.dispose();
  }
}

/**
 * One-shot GAN metrics: prepare the real side, score `generate`, free everything. `labels`: the
 * classes a conditional model drew its images for (adds the class accuracies).
 */
export async function computeGanMetrics(options: GanEvaluationOptions & { generate: ImageGenerator; labels?: ArrayLike<number> }): Promise<GanMetrics> {
  const evaluator = await GanEvaluator.create(options);
  try {
    return await evaluator.evaluate(options.generate, options.labels);
  } finally {
    evaluator.dispose();
  }
}

/** Pulls `total` images in batches through the classifier; each batch tensor is disposed here. */
async function embedBatches(
  classifier: EvalClassifier,
  total: number,
  batchSize: number,
  nextBatch: (n: number, start: number) => tf.Tensor4D | Promise<tf.Tensor4D>,
): Promise<EmbeddedSet> {
  const accumulator = new FeatureAccumulator(classifier.featureDim);
  const probabilities = new Float32Array(total * classifier.numClasses);
  for (let start = 0; start < total; start += batchSize) {
    const n = Math.min(batchSize, total - start);
    const images = await nextBatch(n, start);
    try {
      const out = await classifier.embed(images);
      accumulator.add(out.features);
      probabilities.set(out.probabilities, start * classifier.numClasses);
    } finally {
      images.dispose();
    }
  }
  return { stats: accumulator.stats(), probabilities };
}

/** Lowest/highest pixel value accepted as [0,1] (float32 rounding of sigmoid or (tanh+1)/2). */
const RANGE_SLACK = 1e-4;

/** Checks a generator's output (count, shape, finite, in [0,1]) and returns it as [n,h,w,c]; takes ownership of a tensor. */
async function toImageTensor(out: tf.Tensor | Float32Array, n: number, shape: [number, number, number]): Promise<tf.Tensor4D> {
  const perImage = shape[0] * shape[1] * shape[2];
  let tensor: tf.Tensor;
  if (out instanceof Float32Array) {
    if (out.length !== n * perImage) {
      throw new EvalInputError(`generate(${n}) must return ${n}×${shape.join('×')} = ${n * perImage} values; got ${out.length}.`);
    }
    tensor = tf.tensor4d(out, [n, ...shape]);
  } else if (out instanceof tf.Tensor) {
    if (out.size !== n * perImage || out.shape[0] !== n) {
      out.dispose();
      throw new EvalInputError(`generate(${n}) must return a tensor of shape [${n},${shape.join(',')}]; got [${out.shape.join(',')}].`);
    }
    tensor = out;
  } else {
    throw new EvalInputError('generate() must return a tf.Tensor or a Float32Array of images in [0,1].');
  }
  const range = tf.tidy(() => tf.stack([tensor.min(), tensor.max()]));
  const [lo, hi] = await range.data();
  range.dispose();
  if (!(lo >= -RANGE_SLACK && hi <= 1 + RANGE_SLACK)) {
    tensor.dispose();
    throw new EvalInputError(
      `generate() must return images in [0,1]; got values from ${lo} to ${hi} (rescale a tanh generator with (x + 1) / 2).`,
    );
  }
  if (tensor.rank === 4) return tensor as tf.Tensor4D;
  const reshaped = tensor.reshape([n, ...shape]) as tf.Tensor4D;
  tensor.dispose();
  return reshaped;
}

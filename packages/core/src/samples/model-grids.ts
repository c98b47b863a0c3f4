// Sample grids of dgm's two model families, drawn from fixed noise so grids of successive
// checkpoints of a run are directly comparable.
import * as tf from '#tfjs';

import type { GanModel, VaeModel } from '../models/index.js';
import { SampleGridError } from './errors.js';
import { fixedLatents } from './fixed-noise.js';
import { renderGrid, type GridOptions } from './grid.js';

const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v > 0;

export interface ClassGridOptions extends GridOptions {
  /** A conditional model's classes, one grid row each in this order (default: every class in order). */
  classes?: readonly number[];
}

/** The classes of a conditional model's grid rows, checked against its class count. */
export function gridClasses(modelClasses: number, classes: readonly number[] | undefined): number[] {
  const rows = classes === undefined ? Array.from({ length: modelClasses }, (_, k) => k) : [...classes];
  if (rows.length === 0 || rows.some((k) => !Number.isInteger(k) || k < 0 || k >= modelClasses)) {
    throw new SampleGridError(`Grid classes must be a non-empty list of classes in [0, ${modelClasses}); got ${JSON.stringify(classes)}.`);
  }
  return rows;
}

/**
 * `n` fixed latents per row, the same n in every row, with each row's class: what a conditional
 * model's grid feeds its generator ([z, labels]), so each column keeps its latent across classes.
 */
function classRows(seed: number, n: number, dim: number, rows: readonly number[], stream?: string): [tf.Tensor2D, tf.Tensor2D] {
  const latents = fixedLatents(seed, n, dim, stream);
  const z = new Float32Array(rows.length * n * dim);
  rows.forEach((_, r) => z.set(latents, r * n * dim));
  const labels = Int32Array.from({ length: rows.length * n }, (_, i) => rows[Math.floor(i / n)]);
  return [tf.tensor2d(z, [rows.length * n, dim]), tf.tensor2d(labels, [rows.length * n, 1], 'int32')];
}

/**
 * PNG grid of `count` generator samples (default 64, in rows of ceil(sqrt(count))), from the
 * run's fixed latents; the generator's [-1, 1] output is shown as [0, 1]. Drawn by model.sampler:
 * the generator's moving average when the model keeps one. For a conditional model `count` is
 * the samples per class: one row per class (options.classes, default all) in that order, column
 * j drawn from the same latent in every row.
 */
export function ganSampleGrid(model: GanModel, seed: number, count = 64, options: ClassGridOptions = {}): Uint8Array {
  if (model?.family !== 'gan') throw new SampleGridError('ganSampleGrid needs a GAN model (family "gan").');
  if (!positiveInt(count)) throw new SampleGridError(`Sample count must be a positive integer; got ${String(count)}.`);
  const rows = model.classes ? gridClasses(model.classes, options.classes) : null;
  const images = tf.tidy(() => {
    const inputs = rows === null ? tf.tensor2d(fixedLatents(seed, count, model.latentDim), [count, model.latentDim]) : classRows(seed, count, model.latentDim, rows);
    const x = model.sampler.predict(inputs) as tf.Tensor;
    return tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1) as tf.Tensor4D;
  });
  try {
    return renderGrid(images, rows === null ? options : { ...options, cols: count });
  } finally {
    images.dispose();
  }
}

export interface VaeGridOptions extends ClassGridOptions {
  /** Rows of prior samples under the reconstructions (default 2; a conditional model has one per class instead). */
  priorRows?: number;
  /** Name the blocks in bands above them: originals, reconstructions, samples (default false). */
  labelled?: boolean;
  /** A conditional model's labels of the test images (int32 [n]); required for such a model. */
  testLabels?: Int32Array;
}

/**
 * PNG grid for a VAE: row 1 the test images, row 2 their reconstructions (decoder of the
 * posterior mean), then `priorRows` rows of samples decoded from fixed z ~ N(0, I). One column
 * per test image (the caller picks how many; up to 16 reads well). A conditional model encodes
 * and decodes the test images with their labels (options.testLabels), and its prior rows are one
 * per class (options.classes, default all, in that order) from the same fixed z.
 */
export function vaeSampleGrid(model: VaeModel, testImages: tf.Tensor4D, seed: number, options: VaeGridOptions = {}): Uint8Array {
  if (model?.family !== 'vae') throw new SampleGridError('vaeSampleGrid needs a VAE model (family "vae").');
  if (!(testImages instanceof tf.Tensor) || testImages.rank !== 4) throw new SampleGridError('vaeSampleGrid test images must be a [n, h, w, c] tensor in [0, 1].');
  const [n, h, w, c] = testImages.shape;
  const [mh, mw, mc] = model.imageShape;
  if (h !== mh || w !== mw || c !== mc) throw new SampleGridError(`vaeSampleGrid test images are [${h}, ${w}, ${c}] but the model takes [${mh}, ${mw}, ${mc}].`);
  const priorRows = options.priorRows ?? 2;
  if (!Number.isSafeInteger(priorRows) || priorRows < 0) throw new SampleGridError(`priorRows must be a non-negative integer; got ${String(priorRows)}.`);
  const rows = model.classes ? gridClasses(model.classes, options.classes) : null;
  const labels = options.testLabels;
  if (rows !== null && !(labels instanceof Int32Array && labels.length === n)) {
    throw new SampleGridError(`vaeSampleGrid needs the ${n} test images' labels (testLabels) for a conditional model.`);
  }
  const withLabels = (x: tf.Tensor, y: tf.Tensor | null): tf.Tensor | tf.Tensor[] => (y === null ? x : [x, y]);
  const decode = (z: tf.Tensor | tf.Tensor[]): tf.Tensor => {
    const out = model.decoder.predict(z) as tf.Tensor;
    // Bernoulli decoders emit logits; Gaussian ones emit means already in (0, 1).
    return model.likelihood === 'bernoulli' ? tf.sigmoid(out) : tf.clipByValue(out, 0, 1);
  };
  const grid = tf.tidy(() => {
    const y = rows === null ? null : tf.tensor2d(labels as Int32Array, [n, 1], 'int32');
    const [mean] = model.encoder.predict(withLabels(testImages, y)) as tf.Tensor[];
    const parts = [testImages, decode(withLabels(mean as tf.Tensor, y))];
    if (rows !== null) {
      parts.push(decode(classRows(seed, n, model.latentDim, rows, 'grid-prior')));
    } else if (priorRows > 0) {
      const count = priorRows * n;
      parts.push(decode(tf.tensor2d(fixedLatents(seed, count, model.latentDim, 'grid-prior'), [count, model.latentDim])));
    }
    return tf.concat(parts, 0) as tf.Tensor4D;
  });
  try {
    const labels = options.labelled
      ? [{ row: 0, text: 'originals' }, { row: 1, text: 'reconstructions' }, ...(priorRows > 0 ? [{ row: 2, text: 'samples' }] : [])]
      : options.labels;
    return renderGrid(grid, { ...options, cols: n, labels });
  } finally {
    grid.dispose();
  }
}

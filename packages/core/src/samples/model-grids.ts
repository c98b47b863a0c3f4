// Sample grids of dgm's two model families, drawn from fixed noise so grids of successive
// checkpoints of a run are directly comparable.
import * as tf from '@tensorflow/tfjs';

import type { GanModel, VaeModel } from '../models/index.js';
import { SampleGridError } from './errors.js';
import { fixedLatents } from './fixed-noise.js';
import { renderGrid, type GridOptions } from './grid.js';

const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v > 0;

/**
 * PNG grid of `count` generator samples (default 64, in rows of ceil(sqrt(count))), from the
 * run's fixed latents; the generator's [-1, 1] output is shown as [0, 1]. Drawn by model.sampler:
 * the generator's moving average when the model keeps one.
 */
export function ganSampleGrid(model: GanModel, seed: number, count = 64, options: GridOptions = {}): Uint8Array {
  if (model?.family !== 'gan') throw new SampleGridError('ganSampleGrid needs a GAN model (family "gan").');
  if (!positiveInt(count)) throw new SampleGridError(`Sample count must be a positive integer; got ${String(count)}.`);
  const images = tf.tidy(() => {
    const z = tf.tensor2d(fixedLatents(seed, count, model.latentDim), [count, model.latentDim]);
    const x = model.sampler.predict(z) as tf.Tensor;
    return tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1) as tf.Tensor4D;
  });
  try {
    return renderGrid(images, options);
  } finally {
    images.dispose();
  }
}

export interface VaeGridOptions extends GridOptions {
  /** Rows of prior samples under the reconstructions (default 2). */
  priorRows?: number;
  /** Name the blocks in bands above them: originals, reconstructions, samples (default false). */
  labelled?: boolean;
}

/**
 * PNG grid for a VAE: row 1 the test images, row 2 their reconstructions (decoder of the
 * posterior mean), then `priorRows` rows of samples decoded from fixed z ~ N(0, I). One column
 * per test image (the caller picks how many; up to 16 reads well).
 */
export function vaeSampleGrid(model: VaeModel, testImages: tf.Tensor4D, seed: number, options: VaeGridOptions = {}): Uint8Array {
  if (model?.family !== 'vae') throw new SampleGridError('vaeSampleGrid needs a VAE model (family "vae").');
  if (!(testImages instanceof tf.Tensor) || testImages.rank !== 4) throw new SampleGridError('vaeSampleGrid test images must be a [n, h, w, c] tensor in [0, 1].');
  const [n, h, w, c] = testImages.shape;
  const [mh, mw, mc] = model.imageShape;
  if (h !== mh || w !== mw || c !== mc) throw new SampleGridError(`vaeSampleGrid test images are [${h}, ${w}, ${c}] but the model takes [${mh}, ${mw}, ${mc}].`);
  const priorRows = options.priorRows ?? 2;
  if (!Number.isSafeInteger(priorRows) || priorRows < 0) throw new SampleGridError(`priorRows must be a non-negative integer; got ${String(priorRows)}.`);
  const decode = (z: tf.Tensor): tf.Tensor => {
    const out = model.decoder.predict(z) as tf.Tensor;
    // Bernoulli decoders emit logits; Gaussian ones emit means already in (0, 1).
    return model.likelihood === 'bernoulli' ? tf.sigmoid(out) : tf.clipByValue(out, 0, 1);
  };
  const grid = tf.tidy(() => {
    const [mean] = model.encoder.predict(testImages) as tf.Tensor[];
    const rows = [testImages, decode(mean as tf.Tensor)];
    if (priorRows > 0) {
      const count = priorRows * n;
      rows.push(decode(tf.tensor2d(fixedLatents(seed, count, model.latentDim, 'grid-prior'), [count, model.latentDim])));
    }
    return tf.concat(rows, 0) as tf.Tensor4D;
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

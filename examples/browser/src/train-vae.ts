// (2) A small VAE trained in the page with @dgm/core's Trainer, on whichever backend is active.
import * as tf from '@tensorflow/tfjs';
import { createModel, Trainer } from '@dgm/core';
import { BAR_IMAGE_SHAPE, barImages } from './bars.js';
import { tile } from './checkpoint-grid.js';
import type { TrainingResult } from './page-result.js';

const IMAGES = 512;
const BATCH = 32;

const SAMPLES = 8;
const LATENT = 8;

/**
 * Trains a fresh VAE for `steps` steps on the active tfjs backend and draws 8 samples decoded
 * from the prior on `canvas`; every step's loss and time, in order.
 */
export async function trainVae(steps: number, canvas: HTMLCanvasElement): Promise<TrainingResult> {
  const backend = tf.getBackend();
  const [h, w, c] = BAR_IMAGE_SHAPE;
  const all = tf.tensor4d(barImages(IMAGES, 7), [IMAGES, h, w, c]);
  const model = createModel('vae', { latentDim: LATENT, hidden: [128], imageShape: BAR_IMAGE_SHAPE, seed: 1 });
  const trainer = new Trainer(model, { lr: 3e-3, seed: 1 });
  const losses: number[] = [];
  const stepMs: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      // The global indices of this batch's images key the per-sample noise, as in a dgm run.
      const first = (step * BATCH) % IMAGES;
      const indices = Int32Array.from({ length: BATCH }, (_, i) => first + i);
      const started = performance.now();
      const images = all.slice([first, 0, 0, 0], [BATCH, h, w, c]);
      const metrics = await trainer.step(step, { images, indices });
      images.dispose();
      losses.push(metrics.losses['vae']!);
      stepMs.push(performance.now() - started);
    }
    const samples = tf.tidy(() => tile(tf.sigmoid(model.decoder.predict(tf.randomNormal([SAMPLES, LATENT], 0, 1, 'float32', 2)) as tf.Tensor4D) as tf.Tensor4D, 1));
    await tf.browser.toPixels(samples, canvas);
    samples.dispose();
    canvas.style.width = `${canvas.width * 2}px`;
  } finally {
    trainer.dispose();
    model.dispose();
    all.dispose();
  }
  return { backend, losses, stepMs };
}

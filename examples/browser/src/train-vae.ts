// (2) A small VAE trained in the page with @dgm/core's Trainer, on whichever backend is active.
import * as tf from '@tensorflow/tfjs';
import { createModel, Trainer } from '@dgm/core';
import { BAR_IMAGE_SHAPE, barImages } from './bars.js';
import type { TrainingResult } from './page-result.js';

const IMAGES = 512;
const BATCH = 32;

/** Trains a fresh VAE for `steps` steps on the active tfjs backend; every step's loss, in order. */
export async function trainVae(steps: number): Promise<TrainingResult> {
  const backend = tf.getBackend();
  const [h, w, c] = BAR_IMAGE_SHAPE;
  const all = tf.tensor4d(barImages(IMAGES, 7), [IMAGES, h, w, c]);
  const model = createModel('vae', { latentDim: 8, hidden: [128], imageShape: BAR_IMAGE_SHAPE, seed: 1 });
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
  } finally {
    trainer.dispose();
    model.dispose();
    all.dispose();
  }
  return { backend, losses, stepMs };
}

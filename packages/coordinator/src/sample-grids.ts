// Sample grids of the run (runs/<name>/samples/step-NNNNNN.png), drawn by the coordinator from
// its copy of the model after loading a snapshot: GANs from the run's fixed latents (the same
// noise at every step, so grids show progress), VAEs as test images, their reconstructions and
// prior samples in labelled blocks. A conditional model's grid has one row per class in class
// order (8 samples each for a GAN; a VAE's prior rows, under its test images). Scaled up (nearest
// neighbour) to a width people can read.
import type * as tf from '@tensorflow/tfjs';
import { ganSampleGrid, READABLE_GRID_WIDTH, vaeSampleGrid, writeFileAtomic, type Dataset, type GenerativeModel } from '@dgm/core/node';

/** Writes the sample grid of `model` to `path`. */
export async function writeModelSamples(path: string, model: GenerativeModel, seed: number, dataset: Dataset): Promise<void> {
  let png: Uint8Array;
  if (model.family === 'gan') {
    png = ganSampleGrid(model, seed, model.classes ? 8 : 64, { minWidth: READABLE_GRID_WIDTH });
  } else {
    const count = Math.min(8, dataset.test.count);
    const indices = Int32Array.from({ length: count }, (_, i) => i);
    const images = dataset.test.batch(indices) as tf.Tensor4D;
    try {
      png = vaeSampleGrid(model, images, seed, {
        minWidth: READABLE_GRID_WIDTH,
        labelled: true,
        ...(model.classes ? { testLabels: Int32Array.from(dataset.test.labelsAt(indices)) } : {}),
      });
    } finally {
      images.dispose();
    }
  }
  await writeFileAtomic(path, png);
}

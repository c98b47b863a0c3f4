// Sample grids of the run (runs/<name>/samples/step-NNNNNN.png), drawn by the coordinator from
// its copy of the model after loading a snapshot: GANs from the run's fixed latents, VAEs as
// test images, their reconstructions and prior samples. A conditional model's grid has one row
// per class in class order (8 samples each for a GAN; a VAE's prior rows, under its test images).
import type * as tf from '@tensorflow/tfjs';
import { ganSampleGrid, vaeSampleGrid, writeFileAtomic, type Dataset, type GenerativeModel } from '@dgm/core/node';

/** Writes the sample grid of `model` to `path`. */
export async function writeModelSamples(path: string, model: GenerativeModel, seed: number, dataset: Dataset): Promise<void> {
  let png: Uint8Array;
  if (model.family === 'gan') {
    png = ganSampleGrid(model, seed, model.classes ? 8 : 64);
  } else {
    const count = Math.min(8, dataset.test.count);
    const indices = Int32Array.from({ length: count }, (_, i) => i);
    const images = dataset.test.batch(indices) as tf.Tensor4D;
    try {
      png = vaeSampleGrid(model, images, seed, model.classes ? { testLabels: Int32Array.from(dataset.test.labelsAt(indices)) } : {});
    } finally {
      images.dispose();
    }
  }
  await writeFileAtomic(path, png);
}

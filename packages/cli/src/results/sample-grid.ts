// A PNG grid of a trained model's images.
import { generateImages, type TrainedModel } from './trained-model.js';

/** Generates `count` images with noise seed `seed` and writes them as one PNG grid at `path`. */
export async function writeSampleGrid(trained: TrainedModel, options: { count: number; seed: number; path: string }): Promise<void> {
  const core = await import('@dgm/core/node');
  const images = await generateImages(trained, options.count, 0, options.seed);
  try {
    await core.writeSampleGrid(options.path, images);
  } finally {
    images.dispose();
  }
}

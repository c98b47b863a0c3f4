// A PNG grid of a trained model's images.
import { generateImages, type TrainedModel } from './trained-model.js';

/**
 * Generates `count` images with noise seed `seed` and writes them as one PNG grid at `path`,
 * each pixel a `scale`×`scale` block (nearest neighbour); without a scale, the smallest whole
 * one that makes the grid at least READABLE_GRID_WIDTH (512 px) wide.
 */
export async function writeSampleGrid(trained: TrainedModel, options: { count: number; seed: number; path: string; scale?: number }): Promise<void> {
  const core = await import('@dgm/core/node');
  const images = await generateImages(trained, options.count, 0, options.seed);
  try {
    await core.writeSampleGrid(options.path, images, options.scale === undefined ? { minWidth: core.READABLE_GRID_WIDTH } : { scale: options.scale });
  } finally {
    images.dispose();
  }
}

// A PNG grid of a trained model's images: `count` images, or for a conditional model one row of
// `count` images per class (in the order asked), column j drawn from the same latent in every row.
import { generateAt, generateImages, type TrainedModel } from './trained-model.js';

export interface SampleGridRequest {
  /** Images, or images per class for a conditional model. */
  count: number;
  seed: number;
  path: string;
  /**
   * Each pixel a `scale`×`scale` block (nearest neighbour); absent: the smallest whole one that
   * makes the grid at least READABLE_GRID_WIDTH (512 px) wide.
   */
  scale?: number;
  /** A conditional model's rows (classes, in order); null or absent: every class. */
  classes?: number[] | null;
}

/** Generates the grid's images with noise seed `seed` and writes them as one PNG at `path`. */
export async function writeSampleGrid(trained: TrainedModel, options: SampleGridRequest): Promise<void> {
  const core = await import('@dgm/core/node');
  const modelClasses = trained.model.classes ?? null;
  let images: Awaited<ReturnType<typeof generateImages>>;
  let cols: number | undefined;
  if (modelClasses === null) {
    images = await generateImages(trained, options.count, 0, options.seed);
  } else {
    const rows = options.classes ?? Array.from({ length: modelClasses }, (_, k) => k);
    const n = options.count;
    const indices = Int32Array.from({ length: rows.length * n }, (_, i) => i % n);
    const labels = Int32Array.from({ length: rows.length * n }, (_, i) => rows[Math.floor(i / n)]);
    images = await generateAt(trained, indices, options.seed, labels);
    cols = n;
  }
  try {
    const size = options.scale === undefined ? { minWidth: core.READABLE_GRID_WIDTH } : { scale: options.scale };
    await core.writeSampleGrid(options.path, images, cols === undefined ? size : { ...size, cols });
  } finally {
    images.dispose();
  }
}

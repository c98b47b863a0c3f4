import type { ArrayImageSet, ImageSet } from './image-set.js';

/** A named image dataset with a fixed train/test split. */
export interface Dataset {
  /** 'mnist', 'fashion-mnist', or the spec it was loaded from (e.g. 'idx:/data/mnist'). */
  name: string;
  /** [height, width, channels] shared by train and test. */
  imageShape: [number, number, number];
  train: ImageSet;
  test: ImageSet;
  /** Number of classes when the source has labels (max label + 1 for user files). */
  numClasses?: number;
}

/** Options of loadDataset. */
export interface LoadDatasetOptions {
  /**
   * Seed of the train/test split for sources that have no split of their own (a single IDX file,
   * an .npy file, a PNG folder). Defaults to DEFAULT_SPLIT_SEED. Ignored by 'mnist' and
   * 'fashion-mnist', whose splits are fixed, and by an IDX folder with train-/t10k- files.
   * Keep it apart from the training seed if the test set must stay the same across runs.
   */
  seed?: number;
}

/** A dataset from its two splits; numClasses is max label + 1 when either split has labels. */
export function datasetFromSplits(name: string, train: ArrayImageSet, test: ArrayImageSet): Dataset {
  let max = -1;
  for (const s of [train, test]) if (s.labels) for (const l of s.labels) if (l > max) max = l;
  return { name, imageShape: train.imageShape, train, test, ...(max < 0 ? {} : { numClasses: max + 1 }) };
}

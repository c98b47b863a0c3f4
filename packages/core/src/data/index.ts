// Public surface of data/ (Node-only; exported through '@dgm/core/node'). The sampler and PRNG
// modules are isomorphic and could also be exported from the browser-safe core.
export { DatasetError } from './errors.js';
export type { ImageSet } from './image-set.js';
export { ArrayImageSet } from './image-set.js';
export type { Dataset } from './dataset.js';
export { loadDataset, DATASET_SPEC_FORMS } from './load-dataset.js';
export { SPLIT_SEED } from './split.js';
export { MNIST_TEST_COUNT, FASHION_MNIST_TEST_COUNT } from './bundled-datasets.js';
export { IDX_TEST_FRACTION } from './idx-files.js';
export { NPY_TEST_FRACTION } from './npy-files.js';
export { PNG_TEST_FRACTION } from './png-folder.js';
export { EpochSampler, sliceRange } from './sampler.js';
export type { EpochSamplerOptions, EpochCursor, SliceRange } from './sampler.js';

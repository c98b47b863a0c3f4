// Public surface of samples/: PNG grids of images and of model samples (Node-only: files).
export { SampleGridError } from './errors.js';
export { LABEL_CHARACTERS } from './bitmap-font.js';
export { composeGrid, renderGrid, READABLE_GRID_WIDTH, type GridImages, type GridOptions, type GridPixels } from './grid.js';
export { writeSampleGrid } from './grid-file.js';
export { fixedLatents, sampleNoiseKey } from './fixed-noise.js';
export { ganSampleGrid, gridClasses, vaeSampleGrid, type ClassGridOptions, type VaeGridOptions } from './model-grids.js';

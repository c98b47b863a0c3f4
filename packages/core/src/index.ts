// @dgm/core: everything a TensorFlow.js program needs to build and train dgm's models, with no
// file system, sockets or processes attached (it runs in Node and in the browser).
// Node-only parts (dataset files, checkpoints on disk, PNG files, evaluation assets) live in
// '@dgm/core/node'.
// The TensorFlow.js instance core computes with (loaded cheaply in Node: src/tfjs/node.ts). A
// program that needs tfjs itself should use this one, so tensors and backends are shared.
export * as tf from '#tfjs';
export * from './errors.js';
export * from './names.js';
export * from './backend/index.js';
export * from './ops/index.js';
export * from './augment/index.js';
export * from './losses/index.js';
export * from './models/index.js';
export * from './noise/index.js';
export * from './train/index.js';
export * from './replica/index.js';

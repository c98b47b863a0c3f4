// @dgm/core: everything a TensorFlow.js program needs to build and train dgm's models, with no
// file system, sockets or processes attached (it runs in Node and in the browser).
// Node-only parts (dataset files, checkpoints on disk, PNG files, evaluation assets) live in
// '@dgm/core/node'.
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

// @dgm/core/node: the parts of core that need Node (files on disk). Re-exports the isomorphic core.
export * from './index.js';
export * from './data/index.js';
export * from './checkpoint/index.js';
export * from './samples/index.js';
export * from './eval/index.js';

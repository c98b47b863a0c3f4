// Public surface of noise/: counter-based per-sample noise (Philox-4x32-10), see keyed.ts.
export type { NoiseKey, PhaseName } from './keyed.js';
export { keyedNormal, keyedUniform } from './keyed.js';
export { philox4x32 } from './philox.js';
export { fnv1a32 } from './stream-hash.js';
export { NoiseKeyError } from './errors.js';

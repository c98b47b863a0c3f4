// The classifier architectures by name, apart from architecture.ts (which loads TensorFlow.js), so
// train.ts can refuse a bad --architecture before anything heavy loads.
export const ARCHITECTURES = ['cnn', 'mlp'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

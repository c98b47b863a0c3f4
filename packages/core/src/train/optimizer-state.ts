// The one type of optimizer state in dgm: what the Trainer gets and sets, what a checkpoint
// stores, and what a replica's STATE/SNAPSHOT carries. Per phase ('d', 'g', 'vae'), an ordered
// list of named tensors ('iter', then '<weight>/m' for every weight, then '<weight>/v'): the
// order is the optimizer's own, which restoring keeps.
import type * as tf from '@tensorflow/tfjs';

/** One optimizer state tensor: 'iter' (int32 scalar), '<weight>/m' or '<weight>/v'. */
export interface NamedStateTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Optimizer state per training phase. */
export type OptimizerState = Record<string, NamedStateTensor[]>;

/** Disposes every tensor of an optimizer state. */
export function disposeOptimizerState(state: OptimizerState): void {
  for (const list of Object.values(state)) for (const s of list) s.tensor.dispose();
}

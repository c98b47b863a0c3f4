import type * as tf from '@tensorflow/tfjs';

/**
 * One phase's loss, ready to be differentiated: `loss` runs inside tf.variableGrads, and may
 * tf.keep() side scalars (a penalty, the KL term) into `kept` for the step's metrics.
 * `owned` lists tensors made for this phase (noise, rescaled inputs) that the runner disposes.
 */
export interface PhaseObjective {
  /** Metric name of the loss value itself ('d', 'g', 'vae'). */
  lossName: string;
  loss: () => tf.Scalar;
  kept: Record<string, tf.Tensor>;
  owned: tf.Tensor[];
}

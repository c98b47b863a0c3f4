import type { PhaseName } from '../noise/index.js';

/**
 * The seam between one replica's gradients and the data-parallel world. The Trainer hands each
 * phase's flat gradients (laid out by that phase's ParameterManifest, a mean over this replica's
 * `sampleCount` samples) and applies whatever comes back: in a distributed run, the
 * sample-count-weighted average over all replicas, identical on every replica. The returned
 * array need only stay valid until the next reduce() call (the Trainer copies it into tensors
 * at once), so a reducer may hand out memory it reuses.
 */
export interface GradientReducer {
  reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array>;
}

/** The reducer of a single process: the local gradients are the global ones. */
export class LocalReducer implements GradientReducer {
  /** Returns `grads` unchanged. */
  async reduce(_phase: PhaseName, _step: number, grads: Float32Array, _sampleCount: number): Promise<Float32Array> {
    return grads;
  }
}

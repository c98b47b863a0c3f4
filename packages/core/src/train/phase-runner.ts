// One phase of one step on one replica: gradients -> flat array -> reducer -> optimizer.
import * as tf from '#tfjs';
import { clipByGlobalNorm } from '../losses/index.js';
import type { Adam } from './adam.js';
import { TrainerInputError } from './errors.js';
import { allFinite } from './finite.js';
import { flattenGradients, unflattenGradients, type ParameterManifest } from './manifest.js';
import type { PhaseObjective } from './phase-objective.js';
import type { GradientReducer } from './reducer.js';

export interface PhaseParts {
  manifest: ParameterManifest;
  /** The phase's trainable variables, in manifest order. */
  variables: tf.Variable[];
  optimizer: Adam;
}

export interface PhaseResult {
  losses: Record<string, number>;
  computeMs: number;
  reduceMs: number;
  /**
   * True when the averaged gradient held a NaN or ±Infinity and was not applied: the optimizer's
   * state (moments, iteration count) and the variables are as they were before the phase.
   */
  skipped: boolean;
}

/**
 * Differentiates the objective with respect to exactly the phase's variables, hands the flat
 * gradients to the reducer, and applies what it returns (optionally clipped to clipNorm) with
 * the phase's optimizer, always in manifest order. Disposes everything it or the objective made.
 * A non-finite average is not applied (`skipped`): every replica holds the same averaged bits,
 * so every replica skips alike, and its weights and Adam's state stay finite.
 */
export async function runPhase(
  parts: PhaseParts,
  objective: PhaseObjective,
  reducer: GradientReducer,
  step: number,
  sampleCount: number,
  clipNorm: number | null,
  learningRate: number,
): Promise<PhaseResult> {
  const { manifest, variables, optimizer } = parts;
  const started = performance.now();
  let flat: Float32Array;
  const losses: Record<string, number> = {};
  try {
    const { value, grads } = tf.variableGrads(objective.loss, variables);
    try {
      flat = await flattenGradients(manifest, variables.map((v) => grads[v.name] ?? null));
      losses[objective.lossName] = (await value.data())[0];
      for (const [name, tensor] of Object.entries(objective.kept)) losses[name] = (await tensor.data())[0];
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    tf.dispose([...Object.values(objective.kept), ...objective.owned]);
  }
  const reduceStarted = performance.now();
  const reduced = await reducer.reduce(manifest.phase, step, flat, sampleCount);
  const reduceEnded = performance.now();
  if (!(reduced instanceof Float32Array) || reduced.length !== manifest.totalSize) {
    throw new TrainerInputError(
      `the reducer returned ${reduced instanceof Float32Array ? `${reduced.length} values` : String(reduced)} for phase '${manifest.phase}'; it must return a Float32Array of ${manifest.totalSize}.`,
    );
  }
  if (!allFinite(reduced)) return { losses, computeMs: reduceStarted - started + (performance.now() - reduceEnded), reduceMs: reduceEnded - reduceStarted, skipped: true };
  let applied = unflattenGradients(manifest, reduced);
  try {
    if (clipNorm !== null) {
      const { clipped, norm } = clipByGlobalNorm(applied, clipNorm);
      tf.dispose(applied);
      applied = clipped;
      losses[`${manifest.phase}_grad_norm`] = norm;
    }
    optimizer.apply(variables, applied, learningRate);
  } finally {
    tf.dispose(applied);
  }
  const ended = performance.now();
  return { losses, computeMs: reduceStarted - started + (ended - reduceEnded), reduceMs: reduceEnded - reduceStarted, skipped: false };
}

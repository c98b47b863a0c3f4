// The parameter manifest: how one phase's gradients are laid out in ONE flat Float32Array.
// Entries follow the model's trainableWeights order (sub-model by sub-model), which is the order
// gradients are computed, sent, averaged and applied in on every replica.
import * as tf from '#tfjs';
import type { PhaseName } from '../noise/index.js';
import { TrainerInputError } from './errors.js';
import { fnv1a64Hex } from './fnv1a64.js';

export interface ParameterEntry {
  /** The weight's stable name (tfjs' originalName, e.g. 'd_conv1/kernel'), the same in every process. */
  name: string;
  shape: number[];
  /** Start of this weight in the flat array, in elements. */
  offset: number;
  size: number;
}

export interface ParameterManifest {
  phase: PhaseName;
  entries: ParameterEntry[];
  totalSize: number;
  /** FNV-1a-64 (hex) of the names and shapes in order: equal manifests mean compatible replicas. */
  hash: string;
}

/** A tfjs-layers weight (LayerVariable), as LayersModel.weights lists them. */
export type LayerWeight = tf.LayersModel['weights'][number];

/**
 * Entries with offsets for a list of layer weights, named by their originalName; throws if two
 * entries share a name.
 */
function layoutWeights(weights: readonly LayerWeight[]): { entries: ParameterEntry[]; totalSize: number } {
  const seen = new Set<string>();
  let offset = 0;
  const entries = weights.map((w) => {
    const name = w.originalName;
    if (seen.has(name)) {
      throw new TrainerInputError(`two weights share the name '${name}'; every layer of a model must have a unique name.`);
    }
    seen.add(name);
    const shape = w.shape.map((d) => d as number);
    const size = shape.reduce((a, b) => a * b, 1);
    const entry = { name, shape, offset, size };
    offset += size;
    return entry;
  });
  return { entries, totalSize: offset };
}

/** The hash of a layout: names and shapes in order (offsets follow from them). */
function layoutHash(entries: readonly ParameterEntry[]): string {
  return fnv1a64Hex(`dgm-manifest-v1\n${entries.map((e) => `${e.name}:${e.shape.join('x')}\n`).join('')}`);
}

/** The manifest of one phase from the trainable weights it updates, in order. */
export function buildManifest(phase: PhaseName, weights: readonly LayerWeight[]): ParameterManifest {
  const { entries, totalSize } = layoutWeights(weights);
  return { phase, entries, totalSize, hash: layoutHash(entries) };
}

/**
 * Copies gradients (one per manifest entry, in order; null means "no path to the loss" and is
 * laid out as zeros) into one new Float32Array. Does not dispose the gradients.
 */
export async function flattenGradients(manifest: ParameterManifest, grads: ReadonlyArray<tf.Tensor | null>): Promise<Float32Array> {
  if (grads.length !== manifest.entries.length) {
    throw new TrainerInputError(`expected ${manifest.entries.length} gradients for phase '${manifest.phase}', got ${grads.length}.`);
  }
  const flat = tf.tidy(() =>
    tf.concat(manifest.entries.map((e, i) => (grads[i] ? tf.reshape(grads[i] as tf.Tensor, [e.size]) : tf.zeros([e.size])))),
  );
  try {
    // data() of a fresh concat result is a new array on every backend (or the backing store of a
    // tensor disposed just below), so the caller may keep or hand it on.
    return (await flat.data()) as Float32Array;
  } finally {
    flat.dispose();
  }
}

/** Tensors (caller owns) holding copies of the manifest's slices of `flat`. */
export function unflattenGradients(manifest: ParameterManifest, flat: Float32Array): tf.Tensor[] {
  if (!(flat instanceof Float32Array) || flat.length !== manifest.totalSize) {
    throw new TrainerInputError(
      `phase '${manifest.phase}' expects a Float32Array of ${manifest.totalSize} gradients, got ${describeArray(flat)}.`,
    );
  }
  // slice() copies: backends may keep a reference to the array they are given, and the caller
  // (a socket, a reducer) may reuse its buffer.
  return manifest.entries.map((e) => tf.tensor(flat.slice(e.offset, e.offset + e.size), e.shape, 'float32'));
}

function describeArray(value: unknown): string {
  if (value instanceof Float32Array) return `one of ${value.length}`;
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}

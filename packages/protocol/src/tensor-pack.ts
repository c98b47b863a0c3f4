// Packing many named tensors (weights, optimizer slots) into ONE frame plus a list of entries
// in the header: one frame keeps validation to a single size check and costs one send.
import type { NamedArray } from '@dgm/core';
import type { TensorEntry } from './kinds.js';
import { float32Of, int32Of } from './tensor-frames.js';

/** A named tensor's values in memory: core's replica state (captureState/restoreState) is packed as is. */
export type NamedValues = NamedArray;

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Packs tensors back to back into one little-endian byte array, with the entries describing it. */
export function packTensors(tensors: readonly NamedValues[]): { entries: TensorEntry[]; data: Uint8Array } {
  let total = 0;
  for (const t of tensors) {
    if (t.values.length !== elementCount(t.shape)) {
      throw new RangeError(`tensor '${t.name}' has ${t.values.length} values but shape [${t.shape.join(',')}]`);
    }
    total += t.values.length;
  }
  const data = new Uint8Array(total * 4);
  const view = new DataView(data.buffer);
  let at = 0;
  for (const t of tensors) {
    const isFloat = t.dtype === 'float32';
    for (let i = 0; i < t.values.length; i++, at += 4) {
      if (isFloat) view.setFloat32(at, t.values[i], true);
      else view.setInt32(at, t.values[i], true);
    }
  }
  return { entries: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })), data };
}

/**
 * Splits a packed payload back into named tensors (views into `data` when it is aligned).
 * The entries must already be validated against `data`'s length (the decoder does that).
 */
export function unpackTensors(entries: readonly TensorEntry[], data: Uint8Array): NamedValues[] {
  const out: NamedValues[] = [];
  let at = 0;
  for (const e of entries) {
    const bytes = elementCount(e.shape) * 4;
    const slice = data.subarray(at, at + bytes);
    out.push({ name: e.name, dtype: e.dtype, shape: [...e.shape], values: e.dtype === 'float32' ? float32Of(slice) : int32Of(slice) });
    at += bytes;
  }
  return out;
}

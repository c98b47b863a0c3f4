// Optimizer state of one training phase as two files: `optimizer-<phase>.json` (names, shapes,
// dtypes, byte offsets, in the order given) and `optimizer-<phase>.bin` (raw little-endian
// values). Order is kept because tfjs optimizers match slots to variables by position.
import * as tf from '#tfjs';

import type { NamedStateTensor } from '../train/optimizer-state.js';
import { CheckpointError } from './errors.js';

/** The JSON half of one phase's optimizer state. */
export interface OptimizerStateJson {
  format: 'dgm-optimizer-state';
  formatVersion: 1;
  phase: string;
  /** File holding the values, relative to the checkpoint dir. */
  data: string;
  byteLength: number;
  tensors: { name: string; shape: number[]; dtype: 'float32' | 'int32'; byteOffset: number; byteLength: number }[];
}

/** Reads the tensors' values (bit-exact) and lays them out as json + bin. */
export async function encodeOptimizerPhase(
  phase: string,
  entries: NamedStateTensor[],
  dataFile: string,
): Promise<{ json: OptimizerStateJson; bin: Uint8Array }> {
  const tensors: OptimizerStateJson['tensors'] = [];
  const values: Uint8Array[] = [];
  let offset = 0;
  for (const [i, entry] of entries.entries()) {
    const { name, tensor } = entry ?? {};
    if (typeof name !== 'string' || !(tensor instanceof tf.Tensor)) {
      throw new CheckpointError(`Optimizer state for phase "${phase}" entry ${i} must be { name: string, tensor: tf.Tensor }.`);
    }
    if (tensor.isDisposed) throw new CheckpointError(`Optimizer state tensor "${name}" of phase "${phase}" is already disposed.`);
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new CheckpointError(`Optimizer state tensor "${name}" of phase "${phase}" has dtype ${tensor.dtype}; only float32 and int32 are stored.`);
    }
    const data = (await tensor.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    tensors.push({ name, shape: [...tensor.shape], dtype: tensor.dtype, byteOffset: offset, byteLength: bytes.byteLength });
    values.push(bytes);
    offset += bytes.byteLength;
  }
  const bin = new Uint8Array(offset);
  tensors.forEach((t, i) => bin.set(values[i] as Uint8Array, t.byteOffset));
  return {
    json: { format: 'dgm-optimizer-state', formatVersion: 1, phase, data: dataFile, byteLength: offset, tensors },
    bin,
  };
}

/** Rebuilds one phase's tensors (caller owns them) from the json text and bin bytes. */
export function decodeOptimizerPhase(jsonText: string, bin: Uint8Array, source: string): { phase: string; entries: NamedStateTensor[] } {
  let json: OptimizerStateJson;
  try {
    json = JSON.parse(jsonText) as OptimizerStateJson;
  } catch (error) {
    throw new CheckpointError(`${source} is not valid JSON: ${(error as Error).message}.`, { path: source, cause: error });
  }
  if (json?.format !== 'dgm-optimizer-state' || json.formatVersion !== 1 || !Array.isArray(json.tensors)) {
    throw new CheckpointError(`${source} is not a dgm optimizer state file (format "dgm-optimizer-state", formatVersion 1).`, { path: source });
  }
  if (json.byteLength !== bin.byteLength) {
    throw new CheckpointError(`${source} describes ${json.byteLength} bytes but ${json.data} holds ${bin.byteLength}.`, { path: source });
  }
  const entries: NamedStateTensor[] = [];
  for (const t of json.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size * 4 !== t.byteLength || t.byteOffset % 4 !== 0 || t.byteOffset + t.byteLength > bin.byteLength || (t.dtype !== 'float32' && t.dtype !== 'int32')) {
      entries.forEach((e) => e.tensor.dispose());
      throw new CheckpointError(`${source} entry "${t.name}" has an inconsistent shape, dtype or byte range.`, { path: source });
    }
    // A copy per tensor: aligned (file bytes may sit at any offset of a Node Buffer) and owning
    // only its own values, so no tensor keeps the whole file alive.
    const own = new Uint8Array(bin.subarray(t.byteOffset, t.byteOffset + t.byteLength)).buffer;
    const values = t.dtype === 'float32' ? new Float32Array(own) : new Int32Array(own);
    entries.push({ name: t.name, tensor: tf.tensor(values, t.shape, t.dtype) });
  }
  return { phase: json.phase, entries };
}

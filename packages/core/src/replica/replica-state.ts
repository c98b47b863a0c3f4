// A replica's state as named arrays, for moving it between processes (the runtime packs them
// into STATE and SNAPSHOT messages) and into the coordinator's copy of the model. Weights are
// named `w/<sub-model>/<originalName>` (weight-names.ts: the one matching rule); optimizer slots
// `o/<phase>/<slot name>`, in the optimizer's own order, which restoring keeps.
import * as tf from '#tfjs';
import type { OptimizerState } from '../train/optimizer-state.js';
import { namedWeights, type HasSubModels, type StateScope } from './weight-names.js';

/** A named tensor's values in memory (the runtime's wire format packs exactly this). */
export interface NamedArray {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

/** A state whose tensors do not match this replica's model. */
export class ReplicaStateError extends Error {
  override name = 'ReplicaStateError';
}

const WEIGHT = 'w';
const OPTIMIZER = 'o';

async function valuesOf(tensor: tf.Tensor): Promise<Float32Array | Int32Array> {
  const data = await tensor.data();
  if (data instanceof Float32Array || data instanceof Int32Array) return data;
  return Int32Array.from(data as Uint8Array); // bool tensors: never in our models, kept total
}

function arrayOf(name: string, tensor: tf.Tensor, values: Float32Array | Int32Array): NamedArray {
  return { name, dtype: tensor.dtype === 'int32' ? 'int32' : 'float32', shape: [...tensor.shape], values };
}

/** True when the model has weights that are not trained by gradients (BatchNorm statistics). */
export function hasMovingStatistics(model: HasSubModels): boolean {
  return namedWeights(model, 'stats').length > 0;
}

/** The model's weights (scope 'full': all, plus `optimizer` slots if given; 'stats': moving statistics only). */
export async function captureState(model: HasSubModels, scope: StateScope, optimizer?: OptimizerState): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const { name, variable } of namedWeights(model, scope)) {
    const tensor = variable.read();
    out.push(arrayOf(`${WEIGHT}/${name}`, tensor, await valuesOf(tensor)));
  }
  if (scope === 'full' && optimizer) {
    for (const [phase, slots] of Object.entries(optimizer)) {
      for (const slot of slots) out.push(arrayOf(`${OPTIMIZER}/${phase}/${slot.name}`, slot.tensor, await valuesOf(slot.tensor)));
    }
  }
  return out;
}

/**
 * Loads weights into the model (every weight of `scope` must be present with its shape) and
 * returns the optimizer slots found, as tensors the caller owns (empty for a fresh run).
 */
export function restoreState(model: HasSubModels, scope: StateScope, tensors: readonly NamedArray[]): OptimizerState {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const targets = namedWeights(model, scope).map((w) => ({ key: `${WEIGHT}/${w.name}`, variable: w.variable }));
  for (const { key, variable } of targets) {
    const t = byName.get(key);
    if (!t) throw new ReplicaStateError(`state has no tensor for weight '${key}'; it was made for another model`);
    const shape = variable.shape as number[];
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ReplicaStateError(`weight '${key}' has shape [${t.shape.join(',')}] in the state but [${shape.join(',')}] in this model`);
    }
  }
  // All checked before any is written: a bad state leaves the model untouched.
  for (const { key, variable } of targets) {
    const t = byName.get(key)!;
    const value = tf.tensor(t.values, t.shape, t.dtype);
    variable.write(value);
    value.dispose();
  }
  const optimizer: OptimizerState = {};
  for (const t of tensors) {
    if (!t.name.startsWith(`${OPTIMIZER}/`)) continue;
    const rest = t.name.slice(OPTIMIZER.length + 1);
    const cut = rest.indexOf('/');
    if (cut <= 0) throw new ReplicaStateError(`optimizer tensor name '${t.name}' is not o/<phase>/<slot>`);
    const phase = rest.slice(0, cut);
    (optimizer[phase] ??= []).push({ name: rest.slice(cut + 1), tensor: tf.tensor(t.values, t.shape, t.dtype) });
  }
  return optimizer;
}

// A replica's state as named arrays, for STATE (coordinator → worker) and SNAPSHOT (worker →
// coordinator) messages. Weights are named `w/<sub-model>/<originalName>`: tfjs' originalName
// is the same in every process (the unique `name` is not: it depends on how many models a
// process built before). Optimizer slots are named `o/<phase>/<slot name>`, in the optimizer's
// own order, which restoring keeps.
import * as tf from '@tensorflow/tfjs';
import type { NamedValues, StateScope } from '@dgm/protocol';

/** Something with named sub-models: a GanModel or VaeModel of core. */
export interface HasSubModels {
  subModels(): Record<string, tf.LayersModel>;
}

/** Optimizer state per phase, as core's Trainer gets and sets it. */
export type OptimizerSlots = Record<string, { name: string; tensor: tf.Tensor }[]>;

/** A STATE/SNAPSHOT whose tensors do not match this replica's model. */
export class ReplicaStateError extends Error {}

const WEIGHT = 'w';
const OPTIMIZER = 'o';

function weightsOf(model: HasSubModels, scope: StateScope): { key: string; variable: tf.LayerVariable }[] {
  const out: { key: string; variable: tf.LayerVariable }[] = [];
  for (const [sub, layers] of Object.entries(model.subModels())) {
    // 'stats' = the non-trainable weights (BatchNorm moving mean/variance): the only weights
    // that replicas update from their own data rather than from the averaged gradient.
    const list = scope === 'stats' ? layers.nonTrainableWeights : layers.weights;
    for (const variable of list) out.push({ key: `${WEIGHT}/${sub}/${variable.originalName}`, variable });
  }
  return out;
}

async function valuesOf(tensor: tf.Tensor): Promise<Float32Array | Int32Array> {
  const data = await tensor.data();
  if (data instanceof Float32Array || data instanceof Int32Array) return data;
  return Int32Array.from(data as Uint8Array); // bool tensors: never in our models, kept total
}

/** True when the model has weights that are not trained by gradients (BatchNorm statistics). */
export function hasMovingStatistics(model: HasSubModels): boolean {
  return weightsOf(model, 'stats').length > 0;
}

/** The model's weights (scope 'full': all, plus `optimizer` slots if given; 'stats': moving statistics only). */
export async function captureState(model: HasSubModels, scope: StateScope, optimizer?: OptimizerSlots): Promise<NamedValues[]> {
  const out: NamedValues[] = [];
  for (const { key, variable } of weightsOf(model, scope)) {
    const tensor = variable.read();
    out.push({ name: key, dtype: tensor.dtype === 'int32' ? 'int32' : 'float32', shape: [...tensor.shape], values: await valuesOf(tensor) });
  }
  if (scope === 'full' && optimizer) {
    for (const [phase, slots] of Object.entries(optimizer)) {
      for (const slot of slots) {
        out.push({ name: `${OPTIMIZER}/${phase}/${slot.name}`, dtype: slot.tensor.dtype === 'int32' ? 'int32' : 'float32', shape: [...slot.tensor.shape], values: await valuesOf(slot.tensor) });
      }
    }
  }
  return out;
}

/**
 * Loads weights into the model (every weight of `scope` must be present with its shape) and
 * returns the optimizer slots found, as tensors the caller owns (empty for a fresh run).
 */
export function restoreState(model: HasSubModels, scope: StateScope, tensors: readonly NamedValues[]): OptimizerSlots {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const targets = weightsOf(model, scope);
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
  const optimizer: OptimizerSlots = {};
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

/** Disposes the tensors of optimizer slots. */
export function disposeSlots(slots: OptimizerSlots): void {
  for (const list of Object.values(slots)) for (const s of list) s.tensor.dispose();
}

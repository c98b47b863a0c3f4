// The one rule for matching a model's weights across processes and files: by name, where a
// weight's name is `<sub-model>/<originalName>`. tfjs' originalName (e.g. 'd_conv1/kernel') is
// the same in every process; the unique `name` is not (it depends on how many models a process
// built before), and positions say nothing when two models differ. Sub-models may share layer
// names (generator and generator_ema do), so the sub-model is part of the name. Replica state
// (STATE/SNAPSHOT) and checkpoint restores both match through this function.
import type * as tf from '@tensorflow/tfjs';

/** Something with named sub-models: a GanModel or VaeModel. */
export interface HasSubModels {
  subModels(): Record<string, tf.LayersModel>;
}

/**
 * Which weights: 'full' = all of them; 'stats' = the non-trainable weights of trainable layers
 * (BatchNorm moving mean/variance), the only weights replicas update from their own data rather
 * than from the averaged gradient. A frozen layer's weights (the one-hot class table) never
 * change, so they are not statistics.
 */
export type StateScope = 'full' | 'stats';

/** One weight of a model and its name under the matching rule. */
export interface NamedWeight {
  /** `<sub-model>/<originalName>`. */
  name: string;
  subModel: string;
  /** The weight's originalName inside its sub-model (what tfjs writes into model.json). */
  originalName: string;
  variable: tf.LayerVariable;
}

/** The model's weights of `scope`, sub-model by sub-model in each one's own order, with their names. */
export function namedWeights(model: HasSubModels, scope: StateScope = 'full'): NamedWeight[] {
  const out: NamedWeight[] = [];
  for (const [subModel, layers] of Object.entries(model.subModels())) {
    const list = scope === 'stats' ? layers.layers.flatMap((l) => (l.trainable ? l.nonTrainableWeights : [])) : layers.weights;
    for (const variable of list) out.push({ name: `${subModel}/${variable.originalName}`, subModel, originalName: variable.originalName, variable });
  }
  return out;
}

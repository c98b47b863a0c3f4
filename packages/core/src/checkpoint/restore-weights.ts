// Putting a checkpoint's weights into a model that already exists (the Trainer holds its
// variables, so a resume must write into them rather than swap in new LayersModels).
import * as tf from '@tensorflow/tfjs';

import { CheckpointError } from './errors.js';
import type { LoadedCheckpoint } from './load.js';

/**
 * Copies a loaded checkpoint's weights into an existing model's sub-models (e.g. one built by
 * createModel from `state.model`), by position: layer names may differ between processes, the
 * architecture may not. Throws CheckpointError naming the first mismatch.
 */
export function restoreModelWeights(target: { subModels(): Record<string, tf.LayersModel> }, checkpoint: Pick<LoadedCheckpoint, 'dir' | 'artifacts'>): void {
  const subs = target.subModels();
  const missing = Object.keys(subs).filter((s) => !(s in checkpoint.artifacts));
  if (missing.length > 0) throw new CheckpointError(`Checkpoint ${checkpoint.dir} has no sub-model "${missing[0]}"; it holds ${Object.keys(checkpoint.artifacts).join(', ')}.`, { path: checkpoint.dir });
  for (const [sub, model] of Object.entries(subs)) {
    const art = checkpoint.artifacts[sub] as tf.io.ModelArtifacts;
    const specs = art.weightSpecs ?? [];
    const weights = model.weights;
    if (specs.length !== weights.length) {
      throw new CheckpointError(`Checkpoint sub-model "${sub}" in ${checkpoint.dir} has ${specs.length} weights but the target model has ${weights.length}.`, { path: checkpoint.dir });
    }
    specs.forEach((spec, i) => {
      const shape = weights[i]?.shape ?? [];
      if (spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])) {
        throw new CheckpointError(`Checkpoint weight "${spec.name}" of sub-model "${sub}" has shape [${spec.shape.join(',')}] but the target's weight ${i} has [${shape.join(',')}].`, { path: checkpoint.dir });
      }
    });
    const named = tf.io.decodeWeights(art.weightData as ArrayBuffer, specs);
    try {
      model.setWeights(specs.map((s) => named[s.name] as tf.Tensor));
    } finally {
      tf.dispose(Object.values(named));
    }
  }
}

// Putting a checkpoint's weights into a model that already exists (the Trainer holds its
// variables, so a resume must write into them rather than swap in new LayersModels).
import * as tf from '#tfjs';

import { namedWeights, type HasSubModels } from '../replica/weight-names.js';
import { CheckpointError } from './errors.js';
import type { LoadedCheckpoint } from './load.js';

/**
 * Copies a loaded checkpoint's weights into an existing model's sub-models (e.g. one built by
 * createModel from `state.model`), matching weights by name (replica/weight-names.ts: the
 * sub-model, then tfjs' originalName, which model.json records). Everything is checked before
 * anything is written; throws CheckpointError naming the first mismatch.
 */
export function restoreModelWeights(target: HasSubModels, checkpoint: Pick<LoadedCheckpoint, 'dir' | 'artifacts'>): void {
  const subs = target.subModels();
  const missing = Object.keys(subs).filter((s) => !(s in checkpoint.artifacts));
  if (missing.length > 0) throw new CheckpointError(`Checkpoint ${checkpoint.dir} has no sub-model "${missing[0]}"; it holds ${Object.keys(checkpoint.artifacts).join(', ')}.`, { path: checkpoint.dir });
  const weights = namedWeights(target);
  const plan: { art: tf.io.ModelArtifacts; specs: tf.io.WeightsManifestEntry[] }[] = [];
  for (const [sub, model] of Object.entries(subs)) {
    const art = checkpoint.artifacts[sub] as tf.io.ModelArtifacts;
    const specs = art.weightSpecs ?? [];
    if (specs.length !== model.weights.length) {
      throw new CheckpointError(`Checkpoint sub-model "${sub}" in ${checkpoint.dir} has ${specs.length} weights but the target model has ${model.weights.length}.`, { path: checkpoint.dir });
    }
    const byName = new Map(specs.map((s) => [s.name, s]));
    for (const w of weights.filter((x) => x.subModel === sub)) {
      const spec = byName.get(w.originalName);
      if (!spec) throw new CheckpointError(`Checkpoint sub-model "${sub}" in ${checkpoint.dir} has no weight "${w.originalName}"; it was saved from another model.`, { path: checkpoint.dir });
      const shape = w.variable.shape as number[];
      if (spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])) {
        throw new CheckpointError(`Checkpoint weight "${spec.name}" of sub-model "${sub}" has shape [${spec.shape.join(',')}] but the target's has [${shape.join(',')}].`, { path: checkpoint.dir });
      }
    }
    plan.push({ art, specs });
  }
  for (const [i, sub] of Object.keys(subs).entries()) {
    const { art, specs } = plan[i]!;
    const named = tf.io.decodeWeights(art.weightData as ArrayBuffer, specs);
    try {
      for (const w of weights.filter((x) => x.subModel === sub)) w.variable.write(named[w.originalName] as tf.Tensor);
    } finally {
      tf.dispose(Object.values(named));
    }
  }
}

// The single-process reference a distributed run must reproduce: the same config trained by one
// Trainer (LocalReducer) on the whole global batch of every step. Its data (split, epoch order,
// pixels) comes from reference-data.ts, not from core's loader and sampler, which the run uses.
import { buildReplicaModel, captureState, LocalReducer } from '@dgm/core';
import type { NamedValues, RunConfig } from '@dgm/protocol';
import { ReferenceTrainSet } from './reference-data.js';

/** Weights (w/<sub>/<name> → values) after `config.steps` steps in this process. */
export async function referenceWeights(config: RunConfig): Promise<Map<string, Float32Array>> {
  const parts = buildReplicaModel(config, new LocalReducer());
  const data = new ReferenceTrainSet(config.data, parts.model.imageShape.slice(0, 2) as [number, number]);
  try {
    for (let step = 0; step < config.steps; step++) {
      const indices = data.window(step, config.globalBatch, config.seed);
      const images = data.batch(indices);
      try {
        await parts.trainer.step(step, { images: images as never, indices });
      } finally {
        images.dispose();
      }
    }
    return weightsOf(await captureState(parts.model, 'full'));
  } finally {
    parts.trainer.dispose();
    parts.model.dispose();
  }
}

/** The weight tensors of a state (optimizer slots left out). */
export function weightsOf(state: NamedValues[]): Map<string, Float32Array> {
  return new Map(state.filter((t) => t.name.startsWith('w/')).map((t) => [t.name, t.values as Float32Array]));
}

/** Largest |a - b| over all weights; throws if the two hold different weights. */
export function maxAbsDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  if ([...a.keys()].sort().join() !== [...b.keys()].sort().join()) throw new Error(`different weights: ${[...a.keys()]} vs ${[...b.keys()]}`);
  let max = 0;
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    for (let i = 0; i < va.length; i++) max = Math.max(max, Math.abs(va[i] - vb[i]));
  }
  return max;
}

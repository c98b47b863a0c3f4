// Model option `ema`: keep an exponential moving average of the generator's weights in a second
// copy of the generator (sub-model 'generator_ema'), which sample grids and metrics then use.
// GAN iterates oscillate around what the generator has learnt; averaging them (Yazıcı et al.,
// "The Unusual Effectiveness of Averaging in GAN Training", 2019; BigGAN; StyleGAN) removes much
// of that noise at the cost of one more copy of G. The Trainer updates the average after every
// step that trains G (train/generator-ema-update.ts); as a sub-model it travels in checkpoints
// (a stock LayersModel artifact), STATE/SNAPSHOT messages and the replicas' weights hash.
import type * as tf from '@tensorflow/tfjs';

export { MAX_EMA_DECAY } from '../names.js';

/**
 * The averaged copy of a generator: built by the same `build` (so it has the same layers and
 * weight order) and starting from the generator's own weights. Null when `decay` is 0.
 */
export function buildGeneratorEma(decay: number, generator: tf.LayersModel, build: (modelName: string) => tf.LayersModel): tf.LayersModel | null {
  if (decay === 0) return null;
  const ema = build('generator_ema');
  ema.setWeights(generator.weights.map((w) => w.read()));
  return ema;
}

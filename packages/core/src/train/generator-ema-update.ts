// The update of a GAN's generator average (model option `ema`, models/generator-ema.ts), run by
// the Trainer after every step that trains G:  avg = d_t·avg + (1 − d_t)·w  for every weight of
// the generator, BatchNorm moving statistics included (so the average samples with statistics
// that match its own weights, roughly, rather than the live generator's).
// d_t = min(decay, (1 + t) / (10 + t)) at step t, TensorFlow's ExponentialMovingAverage warm-up:
// without it the average would sit near the random initial weights for ~1/(1 − decay) steps
// (at 0.999, a third of the initial weights still remain after 1,100 steps). Keyed by the step,
// not by a counter, so a resumed run and every replica compute the same d_t and, from equal
// weights, the same bits.
import * as tf from '#tfjs';
import type { GanModel } from '../models/index.js';

/** The decay used at step `step` for a model built with `ema: decay`. */
export function emaDecayAt(decay: number, step: number): number {
  return Math.min(decay, (1 + step) / (10 + step));
}

/** Moves model.generatorEma towards model.generator (a no-op for models without one). */
export function updateGeneratorEma(model: GanModel, step: number): void {
  const average = model.generatorEma;
  if (!average) return;
  const d = emaDecayAt(model.emaDecay, step);
  const live = model.generator.weights;
  const kept = average.weights;
  tf.tidy(() => {
    live.forEach((w, i) => {
      const a = kept[i]!;
      a.write(tf.add(tf.mul(a.read(), d), tf.mul(w.read(), 1 - d)));
    });
  });
}

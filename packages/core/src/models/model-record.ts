// Wraps built sub-models into the GanModel / VaeModel records every other area consumes.
import type * as tf from '@tensorflow/tfjs';
import type { GanModel, ModelName, VaeModel } from './types.js';

export function ganModel(
  name: ModelName,
  latentDim: number,
  imageShape: [number, number, number],
  generator: tf.LayersModel,
  discriminator: tf.LayersModel,
  options: Record<string, unknown>,
  ema: { decay: number; generator: tf.LayersModel | null } = { decay: 0, generator: null },
): GanModel {
  const generatorEma = ema.generator;
  return {
    family: 'gan',
    name,
    classes: classesOf(options),
    latentDim,
    imageShape,
    generator,
    discriminator,
    generatorEma,
    emaDecay: generatorEma ? ema.decay : 0,
    sampler: generatorEma ?? generator,
    options,
    subModels: (): Record<string, tf.LayersModel> =>
      generatorEma ? { generator, discriminator, generator_ema: generatorEma } : { generator, discriminator },
    dispose: () => {
      generator.dispose();
      discriminator.dispose();
      generatorEma?.dispose();
    },
  };
}

export function vaeModel(
  name: ModelName,
  latentDim: number,
  imageShape: [number, number, number],
  beta: number,
  likelihood: 'bernoulli' | 'gaussian',
  encoder: tf.LayersModel,
  decoder: tf.LayersModel,
  options: Record<string, unknown>,
): VaeModel {
  return {
    family: 'vae',
    name,
    classes: classesOf(options),
    latentDim,
    imageShape,
    beta,
    likelihood,
    encoder,
    decoder,
    options,
    subModels: () => ({ encoder, decoder }),
    dispose: () => {
      encoder.dispose();
      decoder.dispose();
    },
  };
}

/** The class count a builder recorded in its options (conditioning.ts), or null. */
function classesOf(options: Record<string, unknown>): number | null {
  return options.conditional === true ? (options.classes as number) : null;
}

// (1) A checkpoint's generator, loaded over HTTP with stock tf.loadLayersModel, drawn as a grid.
// The checkpoint directory is what `dgm train` writes (runs/<name>/checkpoints/step-NNNNNN/):
// state.json says the model family and lists the sub-models, <sub-model>/model.json holds the
// tfjs LayersModel. A GAN trained with --ema is drawn from its generator average, as `dgm sample`
// and the quality metrics draw it: the live generator of such a run is the noisier of the two.
import * as tf from '@tensorflow/tfjs';
import type { GridResult } from './page-result.js';

const COLUMNS = 8;
const UNCONDITIONAL_ROWS = 4;
const GAP = 2;
/** Gray of the gaps between samples, so cells stay apart on dark samples. */
const GAP_VALUE = 0.35;

interface CheckpointState {
  model?: { family?: string; options?: { classes?: number }; subModels?: string[] };
}

/** Classes of a conditional model: state.json's `model.options.classes`, which dgm writes for every conditional checkpoint. */
function classCount(state: CheckpointState): number {
  const count = state.model?.options?.classes;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new Error(`The generator takes a class input but state.json's model.options.classes is ${JSON.stringify(count)}; a dgm conditional checkpoint records its class count there.`);
  }
  return count;
}

/** Seed of the grid's latents; a test draws the same ones to check the canvas. */
export const LATENT_SEED = 1;

/**
 * The model's inputs for `rows` x COLUMNS samples. Unconditional: a latent per sample.
 * Conditional: row k is class k, and column j has the same latent in every row (as `dgm sample`),
 * so rows differ only by their class.
 */
function sampleInputs(model: tf.LayersModel, rows: number, conditional: boolean): tf.Tensor[] {
  const n = rows * COLUMNS;
  const latentDim = model.inputs[0].shape[1];
  if (typeof latentDim !== 'number') throw new Error(`The generator's latent input has no fixed size: [${model.inputs[0].shape.join(', ')}].`);
  if (!conditional) return [tf.randomNormal([n, latentDim], 0, 1, 'float32', LATENT_SEED)];
  const latents = tf.tidy(() => tf.tile(tf.randomNormal([COLUMNS, latentDim], 0, 1, 'float32', LATENT_SEED), [rows, 1]));
  const classInput = model.inputs[1];
  const classes = Array.from({ length: n }, (_, i) => Math.floor(i / COLUMNS));
  const shape = classInput.shape.length === 1 ? [n] : [n, 1];
  return [latents, tf.tensor(classes, shape, classInput.dtype === 'int32' ? 'int32' : 'float32')];
}

/** Samples [n, h, w, c] in [0, 1] tiled into one [rows*(h+gap), (n/rows)*(w+gap), c] image. */
export function tile(images: tf.Tensor4D, rows: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [, h, w, c] = images.shape;
    const padded = images.pad([[0, 0], [0, GAP], [0, GAP], [0, 0]], GAP_VALUE);
    const grid = padded
      .reshape([rows, images.shape[0] / rows, h + GAP, w + GAP, c])
      .transpose([0, 2, 1, 3, 4])
      .reshape([rows * (h + GAP), (images.shape[0] / rows) * (w + GAP), c]);
    return grid as tf.Tensor3D;
  });
}

/** Loads the checkpoint at `baseUrl` (ending in /), draws its samples on `canvas`. */
export async function drawCheckpointGrid(baseUrl: string, canvas: HTMLCanvasElement): Promise<GridResult> {
  const response = await fetch(new URL('state.json', baseUrl));
  if (!response.ok) throw new Error(`${new URL('state.json', baseUrl).href} answered ${response.status}; is it a dgm checkpoint directory?`);
  const state = (await response.json()) as CheckpointState;
  const family = state.model?.family ?? 'gan';
  const subModel = family === 'vae' ? 'decoder' : state.model?.subModels?.includes('generator_ema') ? 'generator_ema' : 'generator';
  const model = await tf.loadLayersModel(new URL(`${subModel}/model.json`, baseUrl).href);
  try {
    const conditional = model.inputs.length === 2;
    const rows = conditional ? classCount(state) : UNCONDITIONAL_ROWS;
    const inputs = sampleInputs(model, rows, conditional);
    const grid = tf.tidy(() => {
      const out = model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor4D;
      // GAN generators end in tanh ([-1, 1]); VAE decoders give Bernoulli logits.
      const unit = family === 'vae' ? tf.sigmoid(out) : out.add(1).div(2);
      return tile(unit.clipByValue(0, 1) as tf.Tensor4D, rows);
    });
    tf.dispose(inputs);
    await tf.browser.toPixels(grid, canvas);
    grid.dispose();
    canvas.style.width = `${canvas.width * 3}px`;
    return { family, subModel, inputs: model.inputs.length, rows, columns: COLUMNS };
  } finally {
    model.dispose();
  }
}

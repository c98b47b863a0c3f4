// A two-input generator (latent and an int32 class of shape [1]), saved like a checkpoint's
// sub-model, for the page's conditional path until a real conditional checkpoint is tested: a
// class Embedding joined to the latent, as dgm's conditional generators take it. Its image for class k is a bright bar at
// pixel row barRow(k) on a dark ground, whatever the latent, so a test can read from the canvas
// which class the page drew in each row.
import * as tf from '@tensorflow/tfjs';
import { registerFileSystemRouter } from '@dgm/core/node';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const STAND_IN_CLASSES = 10;
const SIDE = 28;
const LATENT = 16;

/** The pixel row of class k's bar. */
export function barRow(k: number): number {
  return 2 * k + 4;
}

/** Writes <dir>/state.json and <dir>/generator/{model.json, weights.bin}. */
export async function saveConditionalStandIn(dir: string): Promise<void> {
  const latent = tf.input({ shape: [LATENT], name: 'latent' });
  const label = tf.input({ shape: [1], dtype: 'int32', name: 'class' });
  const embedding = tf.layers.embedding({ inputDim: STAND_IN_CLASSES, outputDim: SIDE * SIDE, name: 'class_embedding' });
  const byClass = tf.layers.flatten().apply(embedding.apply(label)) as tf.SymbolicTensor;
  const fromLatent = tf.layers.dense({ units: SIDE * SIDE, kernelInitializer: 'zeros', name: 'latent_dense' }).apply(latent) as tf.SymbolicTensor;
  const joined = tf.layers.add().apply([byClass, fromLatent]) as tf.SymbolicTensor;
  const image = tf.layers.reshape({ targetShape: [SIDE, SIDE, 1] }).apply(tf.layers.activation({ activation: 'tanh' }).apply(joined)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [latent, label], outputs: image, name: 'generator' });
  const table = new Float32Array(STAND_IN_CLASSES * SIDE * SIDE).fill(-5);
  for (let k = 0; k < STAND_IN_CLASSES; k++) table.fill(5, k * SIDE * SIDE + barRow(k) * SIDE, k * SIDE * SIDE + (barRow(k) + 1) * SIDE);
  embedding.setWeights([tf.tensor2d(table, [STAND_IN_CLASSES, SIDE * SIDE])]);
  registerFileSystemRouter();
  mkdirSync(path.join(dir, 'generator'), { recursive: true });
  await model.save(pathToFileURL(path.join(dir, 'generator')).href);
  model.dispose();
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ model: { family: 'gan', options: { conditional: true, classes: STAND_IN_CLASSES } } }));
}

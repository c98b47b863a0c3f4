// What the page should draw for a conditional checkpoint, computed in Node from the same files,
// and the README's snippet for loading such a checkpoint, read from the README itself so that
// the test runs what users copy.
import * as tf from '@tensorflow/tfjs';
import { registerFileSystemRouter } from '@dgm/core/node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md');

/**
 * The generator at `modelJson` (a file path) on `columns` latents drawn like the page's
 * (N(0, 1), seed `latentSeed`), every latent once per class: row k holds class k's `columns`
 * samples as gray levels 0-255 (tanh output mapped to [0, 255]), sample after sample, row-major.
 */
export async function referenceRows(modelJson: string, classes: number, columns: number, latentSeed: number): Promise<number[][]> {
  registerFileSystemRouter();
  const generator = await tf.loadLayersModel(pathToFileURL(modelJson).href);
  try {
    const latentDim = generator.inputs[0]!.shape[1] as number;
    const latents = tf.randomNormal([columns, latentDim], 0, 1, 'float32', latentSeed);
    const rows: number[][] = [];
    for (let k = 0; k < classes; k++) {
      const gray = tf.tidy(() => {
        const images = generator.predict([latents, tf.fill([columns, 1], k, 'int32')]) as tf.Tensor;
        return images.add(1).div(2).clipByValue(0, 1).mul(255);
      });
      rows.push(Array.from(await gray.data()));
      gray.dispose();
    }
    latents.dispose();
    return rows;
  } finally {
    generator.dispose();
  }
}

/** The README's code block for a conditional checkpoint, loading `modelUrl` instead of its example path. */
export function conditionalSnippet(modelUrl: string): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.indexOf("A conditional checkpoint's sub-models load in stock `tf.loadLayersModel`");
  if (section < 0) throw new Error('README.md no longer has the paragraph on loading a conditional checkpoint.');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(section));
  if (block === null) throw new Error('README.md has no js block after the paragraph on loading a conditional checkpoint.');
  const example = /'file:\/\/\/[^']*\/model\.json'/;
  if (!example.test(block[1]!)) throw new Error("The README's conditional snippet loads no 'file:///.../model.json'.");
  return block[1]!.replace(example, JSON.stringify(modelUrl));
}

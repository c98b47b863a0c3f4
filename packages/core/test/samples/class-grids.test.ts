// Grids of conditional models: one row per class in the order asked, column j drawn from the same
// fixed latent in every row.
import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createModel, keyedNormal, type GanModel, type VaeModel } from '../../src/index.js';
import { ganSampleGrid, vaeSampleGrid } from '../../src/samples/index.js';

let gan: GanModel;
let vae: VaeModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  gan = createModel('mlp-gan', { latentDim: 8, hidden: [16], imageShape: [6, 5, 1], seed: 3, conditional: true, classes: 4 }) as GanModel;
  vae = createModel('vae', { latentDim: 4, hidden: [16], imageShape: [6, 6, 1], seed: 4, conditional: true, classes: 3 }) as VaeModel;
});
afterAll(() => {
  gan.dispose();
  vae.dispose();
});

const byte = (v: number): number => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

describe('grids of conditional models', () => {
  it('draws one row per class, in the order given, each column from the same latent', () => {
    const before = tf.memory().numTensors;
    const png = decode(ganSampleGrid(gan, 42, 3, { padding: 1, classes: [2, 0] }));
    expect(tf.memory().numTensors).toBe(before);
    expect([png.width, png.height]).toEqual([3 * 5 + 4, 2 * 6 + 3]);
    // Row 0 is class 2, row 1 class 0; column 1 is latent 1 in both.
    const z = keyedNormal({ seed: 42, step: 0, phase: 'sample', stream: 'grid' }, [1], 8);
    for (const [row, k] of [[0, 2], [1, 0]]) {
      const expected = tf.tidy(() => (gan.generator.predict([tf.tensor2d(z, [1, 8]), tf.tensor2d([k], [1, 1], 'int32')]) as tf.Tensor).dataSync());
      const [left, top] = [1 + 1 * 6, 1 + row * 7];
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 5; x++) {
          expect(Math.abs((png.data[(top + y) * png.width + left + x] as number) - byte(((expected[y * 5 + x] as number) + 1) / 2))).toBeLessThanOrEqual(1);
        }
      }
    }
    // Every class by default: 4 rows of 3.
    expect(decode(ganSampleGrid(gan, 42, 3, { padding: 1 })).height).toBe(4 * 6 + 5);
    expect(() => ganSampleGrid(gan, 42, 3, { classes: [4] })).toThrow('Grid classes must be a non-empty list of classes in [0, 4); got [4].');
  });

  it("a conditional VAE's grid: test images and reconstructions with their labels, then one prior row per class", () => {
    const images = tf.randomUniform([5, 6, 6, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    try {
      expect(() => vaeSampleGrid(vae, images, 1)).toThrow('vaeSampleGrid needs the 5 test images\' labels (testLabels) for a conditional model.');
      const png = decode(vaeSampleGrid(vae, images, 1, { padding: 1, testLabels: Int32Array.from([0, 1, 2, 0, 1]) }));
      expect([png.width, png.height]).toEqual([5 * 6 + 6, (2 + 3) * 6 + 6]);
    } finally {
      images.dispose();
    }
  });
});

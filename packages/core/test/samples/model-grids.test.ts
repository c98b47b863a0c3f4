import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createModel, keyedNormal, type GanModel, type VaeModel } from '../../src/index.js';
import { ganSampleGrid, vaeSampleGrid } from '../../src/samples/index.js';

let gan: GanModel;
let vae: VaeModel;
beforeAll(() => {
  gan = createModel('mlp-gan', { latentDim: 8, hidden: [16], imageShape: [6, 5, 1], seed: 3 }) as GanModel;
  vae = createModel('vae', { latentDim: 4, hidden: [16], imageShape: [6, 6, 3], seed: 4 }) as VaeModel;
});
afterAll(() => {
  gan.dispose();
  vae.dispose();
});

const byte = (v: number): number => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

describe('ganSampleGrid', () => {
  it('renders the generator on the fixed key {seed, step: 0, phase: sample, stream: grid}, rescaled to [0, 1]', () => {
    const before = tf.memory().numTensors;
    const png = decode(ganSampleGrid(gan, 42, 6, { cols: 3, padding: 1 }));
    expect(tf.memory().numTensors).toBe(before);
    expect([png.width, png.height, png.channels]).toEqual([3 * 5 + 4, 2 * 6 + 3, 1]);

    // Independent computation of what image 4 (row 1, col 1) must be.
    const z = keyedNormal({ seed: 42, step: 0, phase: 'sample', stream: 'grid' }, [0, 1, 2, 3, 4, 5], 8);
    const expected = tf.tidy(() => (gan.generator.predict(tf.tensor2d(z, [6, 8])) as tf.Tensor).dataSync());
    const [left, top] = [1 + 1 * 6, 1 + 1 * 7];
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 5; x++) {
        const v = (expected[((4 * 6 + y) * 5 + x)] as number + 1) / 2;
        expect(Math.abs((png.data[(top + y) * png.width + left + x] as number) - byte(v))).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is the same picture for the same seed and a different one for another seed', () => {
    expect(ganSampleGrid(gan, 1, 4)).toEqual(ganSampleGrid(gan, 1, 4));
    expect(ganSampleGrid(gan, 1, 4)).not.toEqual(ganSampleGrid(gan, 2, 4));
    expect(() => ganSampleGrid(vae as unknown as GanModel, 1, 4)).toThrow('ganSampleGrid needs a GAN model (family "gan").');
    expect(() => ganSampleGrid(gan, 1, 0)).toThrow('Sample count must be a positive integer; got 0.');
  });
});

describe('vaeSampleGrid', () => {
  it('shows originals, their reconstructions below, then a block of prior samples', () => {
    const before = tf.memory().numTensors;
    const images = tf.randomUniform([4, 6, 6, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const bytes = vaeSampleGrid(vae, images, 5, { padding: 1, priorRows: 2 });
    const png = decode(bytes);
    expect([png.width, png.height, png.channels]).toEqual([4 * 6 + 5, 4 * 6 + 5, 3]);
    const pixel = (img: number, row: number, y: number, x: number, ch: number): number =>
      png.data[((1 + row * 7 + y) * png.width + 1 + img * 7 + x) * 3 + ch] as number;

    const original = images.dataSync();
    const reconstruction = tf.tidy(() => tf.sigmoid(vae.decoder.predict((vae.encoder.predict(images) as tf.Tensor[])[0] as tf.Tensor) as tf.Tensor).dataSync());
    const prior = tf.tidy(() => {
      const z = keyedNormal({ seed: 5, step: 0, phase: 'sample', stream: 'grid-prior' }, [0, 1, 2, 3, 4, 5, 6, 7], 4);
      return tf.sigmoid(vae.decoder.predict(tf.tensor2d(z, [8, 4])) as tf.Tensor).dataSync();
    });
    for (const [img, y, x, ch] of [[0, 0, 0, 0], [3, 5, 5, 2], [2, 1, 4, 1]] as const) {
      const k = ((img * 6 + y) * 6 + x) * 3 + ch;
      expect(pixel(img, 0, y, x, ch)).toBe(byte(original[k] as number));
      expect(Math.abs(pixel(img, 1, y, x, ch) - byte(reconstruction[k] as number))).toBeLessThanOrEqual(1);
      expect(Math.abs(pixel(img, 3, y, x, ch) - byte(prior[k + 4 * 6 * 6 * 3] as number))).toBeLessThanOrEqual(1); // prior sample 4 + img
    }
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses images of the wrong shape', () => {
    const wrong = tf.zeros([2, 6, 6, 1]) as tf.Tensor4D;
    expect(() => vaeSampleGrid(vae, wrong, 1)).toThrow('vaeSampleGrid test images are [6, 6, 1] but the model takes [6, 6, 3].');
    wrong.dispose();
  });
});

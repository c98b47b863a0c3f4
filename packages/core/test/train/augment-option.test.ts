// The Trainer option `augment`: what D sees in each phase is DiffAugment of the right images with
// the right keyed draws, the option is validated, and it changes training (and nothing without it).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentDraws, diffAugment, type AugmentName } from '../../src/augment/index.js';
import { initBackend } from '../../src/backend/index.js';
import { createGanLoss } from '../../src/losses/index.js';
import { createModel, type GanModel } from '../../src/models/index.js';
import { keyedNormal } from '../../src/noise/index.js';
import { Trainer } from '../../src/train/index.js';
import { barImages, range } from './fixtures/synthetic-images.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const SEED = 4;
const POLICY: AugmentName[] = ['translation', 'cutout'];

function tinyDcgan(): GanModel {
  return createModel('dcgan', { width: 4, latentDim: 8, normalization: 'none', seed: SEED }) as GanModel;
}

function latent(model: GanModel, step: number, phase: 'd' | 'g', indices: Int32Array): tf.Tensor2D {
  return tf.tensor2d(keyedNormal({ seed: SEED, step, phase, stream: 'latent' }, indices, model.latentDim), [indices.length, model.latentDim]);
}

/** D's input as the phase must build it: images in [-1, 1] through the keyed DiffAugment draws. */
function augmented(x: tf.Tensor4D, step: number, phase: 'd' | 'g', stream: string, indices: Int32Array): tf.Tensor4D {
  return diffAugment(x, POLICY, augmentDraws({ seed: SEED, step, phase, stream }, indices, x.shape[1], x.shape[2]));
}

describe("Trainer option 'augment'", () => {
  it("D's loss is taken on augmented real and generated images (streams augment-real, augment-fake of phase d)", async () => {
    const step = 6;
    const indices = range(30, 38);
    const images = barImages(indices, [28, 28, 1]);
    const loss = createGanLoss('non-saturating');
    // Expected, from a model that has not trained: the D phase's loss is computed before its update.
    const reference = tinyDcgan();
    const expected = tf.tidy(() => {
      const real = augmented(tf.sub(tf.mul(images, 2), 1) as tf.Tensor4D, step, 'd', 'augment-real', indices);
      const fake = augmented(reference.generator.apply(latent(reference, step, 'd', indices), { training: true }) as tf.Tensor4D, step, 'd', 'augment-fake', indices);
      const logits = (x: tf.Tensor) => reference.discriminator.apply(x, { training: true }) as tf.Tensor;
      return [loss.discriminatorLoss(logits(real), logits(fake)).dataSync()[0], loss.discriminatorLoss(logits(tf.sub(tf.mul(images, 2), 1)), logits(fake)).dataSync()[0]];
    });
    const model = tinyDcgan();
    const trainer = new Trainer(model, { augment: POLICY });
    const metrics = await trainer.step(step, { images, indices });
    expect(metrics.losses.d).toBeCloseTo(expected[0], 5);
    // Without the real images' augmentation the figure is 10x the tolerance of toBeCloseTo(, 5)
    // away (a fresh D's logits are near 0, so the losses are close; the check still tells them apart).
    expect(Math.abs(expected[0] - expected[1])).toBeGreaterThan(5e-5);
    trainer.dispose();
    [model, reference].forEach((m) => m.dispose());
    images.dispose();
  });

  it("G's loss is taken on its augmented samples (stream augment-fake of phase g), after D's update", async () => {
    const step = 2;
    const indices = range(0, 8);
    const images = barImages(indices, [28, 28, 1]);
    const model = tinyDcgan();
    const trainer = new Trainer(model, { augment: POLICY });
    const before = model.generator.getWeights().map((w) => w.clone());
    const metrics = await trainer.step(step, { images, indices });
    // Phase g ran with D already updated and G not yet: put G's old weights in a copy and score.
    const copy = tinyDcgan();
    copy.generator.setWeights(before);
    copy.discriminator.setWeights(model.discriminator.getWeights());
    const loss = createGanLoss('non-saturating');
    const [withAugment, without] = tf.tidy(() => {
      const fake = copy.generator.apply(latent(copy, step, 'g', indices), { training: true }) as tf.Tensor4D;
      const logits = (x: tf.Tensor) => copy.discriminator.apply(x, { training: true }) as tf.Tensor;
      return [loss.generatorLoss(logits(augmented(fake, step, 'g', 'augment-fake', indices))).dataSync()[0], loss.generatorLoss(logits(fake)).dataSync()[0]];
    });
    expect(metrics.losses.g).toBeCloseTo(withAugment, 5);
    expect(Math.abs(withAugment - without)).toBeGreaterThan(1e-4);
    trainer.dispose();
    tf.dispose(before);
    [model, copy].forEach((m) => m.dispose());
    images.dispose();
  });

  it('changes the trajectory, while [] trains exactly as no option; order and repeats do not matter', async () => {
    const hashAfter = async (options: Record<string, unknown>) => {
      const model = tinyDcgan();
      const trainer = new Trainer(model, options);
      for (let step = 0; step < 2; step++) {
        const indices = range(8 * step, 8 * step + 8);
        const images = barImages(indices, [28, 28, 1]);
        await trainer.step(step, { images, indices });
        images.dispose();
      }
      const hash = trainer.weightsHash();
      const settings = trainer.settings;
      trainer.dispose();
      model.dispose();
      return { hash, augment: settings.augment };
    };
    const plain = await hashAfter({});
    const empty = await hashAfter({ augment: [] });
    const both = await hashAfter({ augment: ['translation', 'cutout'] });
    const reordered = await hashAfter({ augment: ['cutout', 'translation', 'cutout'] });
    const translation = await hashAfter({ augment: ['translation'] });
    expect(empty.hash).toBe(plain.hash);
    expect(both.hash).not.toBe(plain.hash);
    expect(reordered).toEqual(both);
    expect(both.augment).toEqual(['translation', 'cutout']);
    expect(translation.hash).not.toBe(both.hash);
    expect(plain.augment).toEqual([]);
  });

  it('keeps tf.memory().numTensors flat over augmented steps', async () => {
    const model = tinyDcgan();
    const trainer = new Trainer(model, { augment: POLICY });
    const run = async (from: number) => {
      for (let step = from; step < from + 5; step++) {
        const indices = range(8 * step, 8 * step + 8);
        const images = barImages(indices, [28, 28, 1]);
        await trainer.step(step, { images, indices });
        images.dispose();
      }
    };
    await run(0);
    const before = tf.memory().numTensors;
    await run(5);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
  });

  it('is refused with a sentence for values outside the list, and for VAEs', () => {
    const gan = tinyDcgan();
    const vae = createModel('vae', { hidden: [4], latentDim: 2, imageShape: [4, 4, 1] });
    expect(() => new Trainer(gan, { augment: ['flip'] as never })).toThrow(
      `Trainer option 'augment' must be a list of translation, cutout (or empty), got ["flip"].`,
    );
    expect(() => new Trainer(gan, { augment: 'translation' as never })).toThrow(`got "translation".`);
    expect(() => new Trainer(vae, { augment: ['cutout'] } as never)).toThrow(/unknown Trainer option 'augment' for the vae model vae/);
    [gan, vae].forEach((m) => m.dispose());
  });
});

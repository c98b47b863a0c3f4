// Runs the README's "use the models alone" snippet. The lines between the SNIPPET markers,
// with the two imports above them (where '../src/index.js' is '@dgm/core' in the README),
// are the README's code block; `console` is captured so the test can check what it prints.
import * as tf from '@tensorflow/tfjs';
import { createModel, initBackend, Trainer } from '../src/index.js';
import { expect, it } from 'vitest';

it('the README snippet trains a VAE and samples from it', async () => {
  const log: string[] = [];
  const console = { log: (line: string) => log.push(line) };

  // SNIPPET START
  await initBackend('wasm'); // or 'auto': tfjs-node(-gpu) if installed, else wasm
  const model = createModel('vae', { latentDim: 8, seed: 1 });
  const trainer = new Trainer(model, { lr: 1e-3 });

  for (let step = 0; step < 10; step++) {
    // Your data: images in [0, 1] and their global indices (they key the per-sample noise).
    const indices = Int32Array.from({ length: 32 }, (_, i) => step * 32 + i);
    const images = tf.tidy(() => tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', step).greater(0.8).toFloat()) as tf.Tensor4D;
    const metrics = await trainer.step(step, { images, indices });
    images.dispose();
    console.log(`step ${step}: ELBO ${metrics.losses.elbo.toFixed(1)} nats`);
  }

  // Sixteen samples: decode standard-normal latents (Bernoulli logits -> probabilities).
  const samples = tf.tidy(() => tf.sigmoid(model.decoder.predict(tf.randomNormal([16, 8])) as tf.Tensor));
  console.log(`samples: [${samples.shape.join(', ')}]`);
  samples.dispose();
  trainer.dispose();
  model.dispose();
  // SNIPPET END

  expect(log).toHaveLength(11);
  expect(log[10]).toBe('samples: [16, 28, 28, 1]');
  const elbo = log.slice(0, 10).map((line) => Number(/ELBO (-?[\d.]+)/.exec(line)?.[1]));
  expect(elbo.every(Number.isFinite)).toBe(true);
  expect(elbo[9]).toBeGreaterThan(elbo[0]); // the ELBO rises as the VAE learns
});

// Trains the evaluation classifier that @dgm/core ships for GAN metrics (FID on its penultimate
// layer, classifier score on its softmax), on the TRAIN split only, and writes
//   packages/core/assets/classifiers/<dataset>/{model.json, weights.bin, info.json}
// info.json records the accuracy on the whole TEST split, measured once after the last epoch
// (the test split never steers training: fixed epochs, no early stopping).
//
// Usage (from the repo root, after `npm run build`):
//   node tools/dist/classifier/train.js --dataset mnist [--architecture cnn|mlp] [--epochs N] [--seed 1] [--out DIR]
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  EpochSampler, assertClassifierDataset, classifierAssetDir, initBackend, loadDataset, type ClassifierInfo, type ImageSet,
} from '@dgm/core/node';
import { ARCHITECTURES, ARCHITECTURE_SUMMARY, FEATURE_DIM, buildClassifier, type ArchitectureName } from './architecture.js';
import { saveLayersFiles } from './layers-files.js';

/** Epochs per dataset: 120k examples seen on MNIST's 8k train images, 480k on Fashion-MNIST's 60k. */
const DEFAULT_EPOCHS: Record<string, number> = { mnist: 15, 'fashion-mnist': 8 };
const BATCH = 128;
const LEARNING_RATE = 1e-3;

/** Fraction of `set` whose argmax prediction equals its label. */
async function accuracy(model: tf.LayersModel, set: ImageSet): Promise<number> {
  const labels = set.labels;
  if (labels === undefined) throw new Error('The test split has no labels to measure accuracy against.');
  let correct = 0;
  for (let start = 0; start < set.count; start += 1000) {
    const indices = Int32Array.from({ length: Math.min(1000, set.count - start) }, (_, i) => start + i);
    const images = set.batch(indices);
    const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).argMax(1));
    const classes = await predicted.data();
    tf.dispose([images, predicted]);
    classes.forEach((c, i) => {
      if (c === labels[indices[i]]) correct++;
    });
  }
  return correct / set.count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: 'mnist' },
      architecture: { type: 'string', default: 'cnn' },
      epochs: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  const dataset = assertClassifierDataset(values.dataset ?? 'mnist');
  const epochs = Number(values.epochs ?? DEFAULT_EPOCHS[dataset]);
  const seed = Number(values.seed);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer; got ${values.epochs}.`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer; got ${values.seed}.`);
  const out = values.out ?? classifierAssetDir(dataset);
  const architecture = values.architecture as ArchitectureName;
  if (!ARCHITECTURES.includes(architecture)) {
    throw new Error(`--architecture must be one of ${ARCHITECTURES.join(', ')}; got ${values.architecture}.`);
  }

  // wasm, not 'auto': the shipped weights should not depend on which native build is installed.
  // initBackend also registers dgm's conv training kernels, which the cnn needs on wasm.
  await initBackend('wasm');
  const data = await loadDataset(dataset);
  const train = data.train;
  const trainLabels = train.labels;
  if (trainLabels === undefined || data.numClasses === undefined) throw new Error(`Dataset ${dataset} has no labels.`);
  const numClasses = data.numClasses;

  const model = buildClassifier(architecture, data.imageShape, numClasses, seed);
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'categoricalCrossentropy' });
  const sampler = new EpochSampler({ count: train.count, globalBatch: BATCH, seed, dropLast: true });
  const started = Date.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    let lossSum = 0;
    for (let step = 0; step < sampler.stepsPerEpoch; step++) {
      const indices = sampler.window(epoch, step);
      const images = train.batch(indices);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(indices, (i) => trainLabels[i]), 'int32'), numClasses));
      lossSum += (await model.trainOnBatch(images, labels)) as number;
      tf.dispose([images, labels]);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`epoch ${epoch + 1}/${epochs}  train loss ${(lossSum / sampler.stepsPerEpoch).toFixed(4)}  ${seconds.toFixed(1)} s`);
  }
  const trainSeconds = (Date.now() - started) / 1000;
  const testAccuracy = await accuracy(model, data.test);

  const sizes = await saveLayersFiles(model, out);
  const info: ClassifierInfo = {
    dataset,
    split: 'train',
    accuracy: Number(testAccuracy.toFixed(4)),
    testCount: data.test.count,
    trainCount: train.count,
    seed,
    epochs,
    featureDim: FEATURE_DIM,
    numClasses,
    architecture: ARCHITECTURE_SUMMARY[architecture],
    trainSeconds: Number(trainSeconds.toFixed(1)),
    backend: tf.getBackend(),
    date: new Date().toISOString(),
  };
  await writeFile(path.join(out, 'info.json'), `${JSON.stringify(info, null, 2)}\n`);
  console.log(
    `${dataset}: test accuracy ${(testAccuracy * 100).toFixed(2)}% on ${data.test.count} images; ` +
      `weights ${sizes.weightsBytes} B, model.json ${sizes.modelJsonBytes} B, written to ${out}`,
  );
  model.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

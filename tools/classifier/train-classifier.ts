// The evaluation classifier's training (train.ts reads the flags first): on the TRAIN split only,
// fixed epochs; the TEST split's accuracy is measured once at the end and written to info.json.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  EpochSampler, classifierAssetDir, initBackend, loadDataset, type ClassifierDataset, type ClassifierInfo, type ImageSet,
} from '@dgm/core/node';
import { ARCHITECTURE_SUMMARY, FEATURE_DIM, buildClassifier, type ArchitectureName } from './architecture.js';
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

export interface ClassifierTraining {
  dataset: ClassifierDataset;
  architecture: ArchitectureName;
  /** Epochs, or the dataset's default. */
  epochs?: number;
  seed: number;
  /** Where the files go, or the shipped asset directory. */
  out?: string;
}

/** Trains the classifier and writes model.json, weights.bin and info.json (train.ts checked the options). */
export async function trainClassifier(options: ClassifierTraining): Promise<void> {
  const { dataset, architecture, seed } = options;
  const epochs = options.epochs ?? DEFAULT_EPOCHS[dataset]!;
  const out = options.out ?? classifierAssetDir(dataset);
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

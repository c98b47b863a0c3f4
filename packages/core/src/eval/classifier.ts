import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as tf from '#tfjs';
import { EvalInputError } from './errors.js';

import { CLASSIFIER_DATASETS } from '../names.js';

export { CLASSIFIER_DATASETS };
export type ClassifierDataset = (typeof CLASSIFIER_DATASETS)[number];

/** Name of the penultimate layer whose activations are the FID features. */
export const FEATURE_LAYER = 'features';

/** What `tools/classifier/train.ts` recorded about a shipped classifier (assets/.../info.json). */
export interface ClassifierInfo {
  dataset: ClassifierDataset;
  /** Split the classifier was trained on (always 'train'); accuracy is on the whole 'test' split. */
  split: 'train';
  accuracy: number;
  testCount: number;
  trainCount: number;
  seed: number;
  epochs: number;
  featureDim: number;
  numClasses: number;
  architecture: string;
  trainSeconds: number;
  backend: string;
  date: string;
}

/** A loaded evaluation classifier: image → (penultimate features, class probabilities). */
export interface EvalClassifier {
  dataset: ClassifierDataset;
  info: ClassifierInfo;
  imageShape: [number, number, number];
  featureDim: number;
  numClasses: number;
  /**
   * Features [n·featureDim] and softmax probabilities [n·numClasses] of images [n,h,w,c] in [0,1]
   * (row-major). Does not dispose `images`.
   */
  embed(images: tf.Tensor4D): Promise<{ features: Float32Array; probabilities: Float32Array }>;
  dispose(): void;
}

/** Directory holding model.json, weights.bin and info.json of one shipped classifier. */
export function classifierAssetDir(dataset: ClassifierDataset): string {
  // src/eval/ and dist/eval/ both sit two levels below the package root, next to assets/.
  return fileURLToPath(new URL(`../../assets/classifiers/${dataset}/`, import.meta.url));
}

/** Narrows a dataset name to one with a shipped classifier, or throws EvalInputError. */
export function assertClassifierDataset(name: string): ClassifierDataset {
  if (!(CLASSIFIER_DATASETS as readonly string[]).includes(name)) {
    throw new EvalInputError(
      `No evaluation classifier ships for dataset '${name}'; GAN metrics are available for ${CLASSIFIER_DATASETS.map((d) => `'${d}'`).join(' and ')}.`,
    );
  }
  return name as ClassifierDataset;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Loads the classifier shipped for `dataset` (or the one in `opts.dir`) with stock
 * tf.loadLayersModel through tf.io.fromMemory (Node has no file:// handler without tfjs-node),
 * and exposes its penultimate layer as a second output.
 */
export async function loadEvalClassifier(dataset: string, opts: { dir?: string } = {}): Promise<EvalClassifier> {
  const name = assertClassifierDataset(dataset);
  const dir = opts.dir ?? classifierAssetDir(name);
  const join = (file: string): string => (dir.endsWith('/') ? dir + file : `${dir}/${file}`);
  let base: tf.LayersModel;
  let info: ClassifierInfo;
  try {
    const modelJson = JSON.parse(await readFile(join('model.json'), 'utf8')) as ModelJson;
    info = JSON.parse(await readFile(join('info.json'), 'utf8')) as ClassifierInfo;
    const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
    const buffers = await Promise.all(modelJson.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(join(p))));
    const joined = Buffer.concat(buffers);
    const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
    base = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EvalInputError(
      `Could not load the ${name} evaluation classifier from ${dir} (it needs model.json, weights.bin and info.json written by tools/classifier/train.ts): ${reason}`,
    );
  }
  const featureLayer = base.getLayer(FEATURE_LAYER);
  // Same layers and weights, two outputs: no copy of the parameters is made.
  const twoHeaded = tf.model({ inputs: base.inputs, outputs: [featureLayer.output as tf.SymbolicTensor, base.outputs[0]] });
  const inputShape = base.inputs[0].shape;
  const imageShape = [inputShape[1], inputShape[2], inputShape[3]] as [number, number, number];
  const featureDim = (featureLayer.outputShape as number[])[1];
  const numClasses = (base.outputs[0].shape as number[])[1];
  return {
    dataset: name,
    info,
    imageShape,
    featureDim,
    numClasses,
    async embed(images: tf.Tensor4D) {
      const [, h, w, c] = images.shape;
      if (images.rank !== 4 || h !== imageShape[0] || w !== imageShape[1] || c !== imageShape[2]) {
        throw new EvalInputError(
          `The ${name} classifier takes images of shape [n,${imageShape.join(',')}]; got [${images.shape.join(',')}].`,
        );
      }
      const [features, probabilities] = twoHeaded.predict(images) as tf.Tensor[];
      try {
        const [f, p] = await Promise.all([features.data(), probabilities.data()]);
        return { features: f as Float32Array, probabilities: p as Float32Array };
      } finally {
        features.dispose();
        probabilities.dispose();
      }
    },
    dispose() {
      base.dispose();
    },
  };
}

// Writes a LayersModel as the two files stock tf.loadLayersModel reads (model.json with a weights
// manifest + weights.bin): Node has no file:// save handler without tfjs-node.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** Saves `model` into `dir` as model.json + weights.bin; returns the byte sizes written. */
export async function saveLayersFiles(model: tf.LayersModel, dir: string): Promise<{ modelJsonBytes: number; weightsBytes: number }> {
  let sizes = { modelJsonBytes: 0, weightsBytes: 0 };
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new Error('The model produced no weights to save.');
      }
      const weights = Buffer.concat(
        (Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]).map((b) => Buffer.from(b)),
      );
      const modelJson = JSON.stringify({
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: 'dgm tools/classifier',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      });
      await writeFile(path.join(dir, 'weights.bin'), weights);
      await writeFile(path.join(dir, 'model.json'), modelJson);
      sizes = { modelJsonBytes: Buffer.byteLength(modelJson), weightsBytes: weights.length };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return sizes;
}

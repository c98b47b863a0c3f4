// tfjs LayersModel artifacts as the two files stock `tf.loadLayersModel` reads: `model.json`
// (topology + weightsManifest pointing at 'weights.bin') and `weights.bin` (all weights,
// trainable and not, concatenated in manifest order). Same layout tfjs-node's file:// handler
// writes, produced here without tfjs-node.
import * as tf from '#tfjs';

import { CheckpointError } from './errors.js';
import { WEIGHTS_FILE } from './layout.js';

/** The bytes of one LayersModel artifact. */
export interface LayersModelFiles {
  modelJson: string;
  weights: Uint8Array;
}

/** Joins tfjs weight data (one buffer or shards) into one byte view. */
export function weightDataBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data);
}

/** The model.json object for artifacts whose weights live in the given files. */
export function modelJsonFor(artifacts: tf.io.ModelArtifacts, weightPaths: string[]): tf.io.ModelJSON {
  if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new CheckpointError('Only LayersModel artifacts with a JSON topology can be written as model.json; this model has none.');
  }
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: weightPaths, weights: artifacts.weightSpecs ?? [] }],
  };
  // Optional fields only when present, so the file matches what tfjs itself writes.
  if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature !== undefined) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer !== undefined) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature !== undefined) json.initializerSignature = artifacts.initializerSignature;
  return json;
}

/** Serializes a LayersModel through its own `save()` (tfjs's writer, not ours) into the two files. */
export async function layersModelToFiles(model: tf.LayersModel): Promise<LayersModelFiles> {
  let files: LayersModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = weightDataBytes(artifacts.weightData);
      files = { modelJson: JSON.stringify(modelJsonFor(artifacts, [WEIGHTS_FILE])), weights };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
  if (files === undefined) throw new CheckpointError('LayersModel.save() returned without handing over its artifacts.');
  return files;
}

/**
 * Rebuilds ModelArtifacts from model.json text and the bytes of its weight files (in manifest
 * order). `source` names the model.json in error messages.
 */
export function artifactsFromFiles(modelJsonText: string, readWeights: (path: string) => Uint8Array, source: string): tf.io.ModelArtifacts {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(modelJsonText) as tf.io.ModelJSON;
  } catch (error) {
    throw new CheckpointError(`${source} is not valid JSON: ${(error as Error).message}.`, { path: source, cause: error });
  }
  if (json === null || typeof json !== 'object' || typeof json.modelTopology !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new CheckpointError(`${source} is not a tfjs model.json: it needs a modelTopology object and a weightsManifest array.`, { path: source });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) parts.push(readWeights(path));
    specs.push(...group.weights);
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    weightData.set(part, offset);
    offset += part.byteLength;
  }
  const expected = expectedWeightBytes(specs, source);
  if (expected !== null && expected !== total) {
    throw new CheckpointError(`${source} describes ${expected} bytes of weights but its weight files hold ${total}.`, { path: source });
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  if (json.signature !== undefined) artifacts.signature = json.signature;
  if (json.modelInitializer !== undefined) artifacts.modelInitializer = json.modelInitializer;
  if (json.initializerSignature !== undefined) artifacts.initializerSignature = json.initializerSignature;
  return artifacts;
}

/** Bytes the specs need (quantized weights by their stored dtype), or null for string weights. */
function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[], source: string): number | null {
  let bytes = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    if (dtype === 'string') return null; // variable length: nothing to check up front
    const size = BYTES_PER_ELEMENT[dtype];
    if (size === undefined) {
      throw new CheckpointError(`${source} lists weight "${spec.name}" of dtype "${dtype}"; readable dtypes are ${Object.keys(BYTES_PER_ELEMENT).join(', ')} and string.`, { path: source });
    }
    bytes += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  return bytes;
}

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

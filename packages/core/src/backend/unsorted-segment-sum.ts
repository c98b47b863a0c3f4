// UnsortedSegmentSum for the wasm backend, which tfjs-backend-wasm 4.22 lacks. It is the gradient
// of a gather (tf.gather's backward pass), so without it no Embedding layer can train on wasm:
// the class embeddings of conditional models (models/conditioning.ts) are Embedding layers.
// The sums run over a few hundred rows of a small table per step (one row per sample), so a
// JavaScript loop over the backend's memory is enough; rows are added in index order, so the
// result is deterministic.
import * as tf from '#tfjs';
import type { KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/**
 * out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] == s, for s in [0, numSegments);
 * ids outside that range are dropped, as in TensorFlow. segmentIds' shape is a prefix of x's.
 */
export function unsortedSegmentSumConfig(backendName: string): KernelConfig {
  return {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const numSegments = (attrs as NamedAttrMap)['numSegments'] as number;
      const b = backend as KernelBackend;
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const values = b.readSync(x.dataId) as Float32Array | Int32Array;
      const rows = tf.util.sizeFromShape(segmentIds.shape);
      const inner = rows === 0 ? 0 : values.length / rows;
      const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
      for (let i = 0; i < rows; i++) {
        const s = ids[i];
        if (!(s >= 0 && s < numSegments)) continue;
        const from = i * inner;
        const to = s * inner;
        for (let j = 0; j < inner; j++) out[to + j] += values[from + j];
      }
      return { dataId: b.write(out, shape, x.dtype), shape, dtype: x.dtype };
    },
  };
}

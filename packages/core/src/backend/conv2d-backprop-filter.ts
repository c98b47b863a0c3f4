import type { backend_util, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { convGeometry, exactPads } from './conv-attrs.js';
import { KernelInputError } from './errors.js';
import { withKernelCalls } from './kernel-calls.js';
import type { KernelCalls } from './kernel-calls.js';

/**
 * Conv2DBackpropFilter (the filter gradient of conv2d and conv2dTranspose) as one forward Conv2D
 * with the batch and channel axes swapped:
 *   dW[ky,kx,ci,co] = sum_{n,oy,ox} x[n, oy*s + ky*d - p, ox*s + kx*d - p, ci] * dy[n,oy,ox,co]
 * is a conv of x' = x as [ci, h, w, n] (ci is the batch, n the channels) with the filter
 * dy' = dy as [oh, ow, n, co], whose stride is the forward dilation and whose dilation is the
 * forward stride. The backend runs it as one large GEMM (M = ci*kh*kw, K = oh*ow*n, N = co).
 * Small patches (first layers) take an im2col + matmul route instead.
 */
export function conv2dBackpropFilterFunc(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = (attrs as NamedAttrMap)['filterShape'] as [number, number, number, number];
    const info = convGeometry('Conv2DBackpropFilter', x.shape as [number, number, number, number], filterShape, attrs as NamedAttrMap);
    if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== info.outShape[i])) {
      throw new KernelInputError(
        `Conv2DBackpropFilter: dy has shape [${dy.shape.join(', ')}] but x [${x.shape.join(', ')}], filter ` +
          `[${filterShape.join(', ')}] and these strides/padding give [${info.outShape.join(', ')}].`,
      );
    }
    return withKernelCalls(backend as KernelBackend, backendName, (k) => backpropFilter(k, x, dy, info));
  };
}

/** Largest patch (kh*kw*ci) the one-hot conv extracts; its cost grows with the patch squared. */
const MAX_PATCH = 256;

/** x without its last -bottom rows / -right columns when those are negative (never read). */
function cutTrailing(k: KernelCalls, x: TensorInfo, bottom: number, right: number): TensorInfo {
  if (bottom >= 0 && right >= 0) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return k.slice(x, [0, 0, 0, 0], [n, h + Math.min(bottom, 0), w + Math.min(right, 0), c]);
}

function backpropFilter(k: KernelCalls, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { bottom, right } = exactPads(info);
  if (info.inHeight + Math.min(bottom, 0) <= 0 || info.inWidth + Math.min(right, 0) <= 0) {
    // The forward conv only ever read padding (possible with tfjs' numeric-pad geometry).
    return k.zeros([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
  }
  const patch = info.filterHeight * info.filterWidth * info.inChannels;
  return patch <= info.outChannels && patch <= MAX_PATCH ? patchesTimesDy(k, x, dy, info) : swappedConv(k, x, dy, info);
}

/**
 * For small patches (a first layer: ci = 1 or 3): im2col as a conv with a one-hot filter, whose
 * output channel (ky, kx, ci) copies that tap, then dW = patches^T · dy as one matmul. The one-hot
 * conv costs patch/co of the matmul; the swapped conv would instead have only kh*kw*ci output rows
 * to spread over, which leaves XNNPACK's tiles mostly empty.
 */
function patchesTimesDy(k: KernelCalls, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const patch = kh * kw * ci;
  const oneHot = new Float32Array(patch * patch);
  for (let j = 0; j < patch; j++) oneHot[j * patch + j] = 1; // [kh, kw, ci, patch]: tap (ky,kx,c) -> channel j
  const { top, bottom, left, right } = exactPads(info);
  const patches = k.run(
    'Conv2D',
    { x: cutTrailing(k, x, bottom, right), filter: k.constant(oneHot, [kh, kw, ci, patch]) },
    {
      strides: [info.strideHeight, info.strideWidth],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
      dataFormat: 'NHWC',
      dimRoundingMode: 'floor',
    },
  ); // [n, oh, ow, patch]
  const rows = info.batchSize * info.outHeight * info.outWidth;
  // dW^T = dy^T · patches, so XNNPACK packs the small patches matrix (it repacks its right-hand
  // side on every call, slower per element than the transpose of dy this needs).
  const dyT = k.transpose(k.reshape(dy, [1, rows, co]), [0, 2, 1]); // [1, co, rows]
  const gradT = k.run('BatchMatMul', { a: dyT, b: k.reshape(patches, [1, rows, patch]) }, { transposeA: false, transposeB: false });
  return k.reshape(k.transpose(gradT, [0, 2, 1]), [kh, kw, ci, co]);
}

/** The general case: one conv with batch and channel axes swapped (see the file comment). */
function swappedConv(k: KernelCalls, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw } = info;
  // The swapped conv must see exactly the rows the forward conv read (see exactPads).
  const { top, bottom, left, right } = exactPads(info);
  const swappedX = k.transpose(cutTrailing(k, x, bottom, right), [3, 1, 2, 0]); // [ci, h, w, n]
  const swappedDy = k.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
  const grad = k.run(
    'Conv2D',
    { x: swappedX, filter: swappedDy },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
      dataFormat: 'NHWC',
      dimRoundingMode: 'floor',
    },
  ); // [ci, kh, kw, co]
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
    throw new Error(`Conv2DBackpropFilter: internal shape error, got [${grad.shape.join(', ')}] for a ${kh}x${kw} filter.`);
  }
  return k.transpose(grad, [1, 2, 0, 3]);
}

export function conv2dBackpropFilterConfig(backendName: string): KernelConfig {
  return { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc: conv2dBackpropFilterFunc(backendName) };
}

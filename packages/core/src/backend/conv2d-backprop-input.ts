import { backend_util } from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { axisPhases, phaseWindow } from './conv-phases.js';
import type { AxisPhase, AxisWindow } from './conv-phases.js';
import { withKernelCalls } from './kernel-calls.js';
import type { KernelCalls } from './kernel-calls.js';
import { convGeometry } from './conv-attrs.js';
import { KernelInputError } from './errors.js';

/**
 * Conv2DBackpropInput (the input gradient of conv2d, and the forward pass of conv2dTranspose)
 * built from the backend's fast stride-1 Conv2D.
 *
 * Each output phase (y mod stride, x mod stride) is one stride-1 Conv2D of dy with the flipped,
 * channel-swapped taps that reach that phase (see conv-phases.ts), and two concats interleave the
 * phases. No zeros are inserted into dy, so the work equals the forward conv's (the stock kernel
 * is a scalar loop, and zero insertion would waste 3/4 of the multiplies at stride 2).
 */
export function conv2dBackpropInputFunc(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const inputShape = (attrs as NamedAttrMap)['inputShape'] as [number, number, number, number];
    const geo = convGeometry('Conv2DBackpropInput', inputShape, filter.shape as [number, number, number, number], attrs as NamedAttrMap);
    if (dy.shape[1] !== geo.info.outHeight || dy.shape[2] !== geo.info.outWidth || dy.shape[3] !== geo.info.outChannels) {
      throw new KernelInputError(
        `Conv2DBackpropInput: dy has shape [${dy.shape.join(', ')}] but input shape [${inputShape.join(', ')}], ` +
          `filter [${filter.shape.join(', ')}] and these strides/padding give [${geo.info.outShape.join(', ')}].`,
      );
    }
    return withKernelCalls(backend as KernelBackend, backendName, (k) => backpropInput(k, dy, filter, geo.info));
  };
}

function backpropInput(k: KernelCalls, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const [n, h, w, ci] = info.inShape;
  const { strideHeight: sy, strideWidth: sx } = info;
  const rowPhases = axisPhases(info.filterHeight, sy, info.dilationHeight, info.padInfo.top);
  const colPhases = axisPhases(info.filterWidth, sx, info.dilationWidth, info.padInfo.left);
  const rowsPerPhase = Math.ceil(h / sy);
  const colsPerPhase = Math.ceil(w / sx);

  const phaseFilters = tapFilters(k, filter, rowPhases, colPhases);

  // Interleave with concats only: concatenating the column phases of a row phase along channels
  // lays memory out as (x, rx, c), which is [.., cols*sx, c] after a free reshape; concatenating
  // those along width lays out (y, ry, x, c), i.e. [.., rows*sy, width, c]. (DepthToSpace does
  // the same job through a per-element strided loop, several times slower here.)
  const rowsOut: TensorInfo[] = [];
  let phase = 0;
  for (const rows of rowPhases) {
    const cols = colPhases.map((c) => phaseConv(k, dy, phaseFilters[phase++] ?? null, info, rows, c, rowsPerPhase, colsPerPhase, ci));
    const joined = cols.length === 1 ? cols[0]! : k.run('Concat', cols, { axis: 3 });
    rowsOut.push(k.reshape(joined, [n, rowsPerPhase, colsPerPhase * sx, ci]));
  }
  const all = rowsOut.length === 1 ? rowsOut[0]! : k.run('Concat', rowsOut, { axis: 2 });
  return cropTo(k, k.reshape(all, [n, rowsPerPhase * sy, colsPerPhase * sx, ci]), [n, h, w, ci]);
}

/** One phase: a stride-1 conv of the dy window with the phase's taps, [n, rowsPerPhase, colsPerPhase, ci]. */
function phaseConv(
  k: KernelCalls,
  dy: TensorInfo,
  taps: TensorInfo | null,
  info: backend_util.Conv2DInfo,
  rows: AxisPhase,
  cols: AxisPhase,
  rowsPerPhase: number,
  colsPerPhase: number,
  ci: number,
): TensorInfo {
  const n = info.batchSize;
  const rowWin = phaseWindow(rows, info.outHeight, rowsPerPhase);
  const colWin = phaseWindow(cols, info.outWidth, colsPerPhase);
  if (taps === null || rowWin === null || colWin === null) return k.zeros([n, rowsPerPhase, colsPerPhase, ci]);

  const input = windowOf(k, dy, rowWin, colWin);
  return k.run(
    'Conv2D',
    { x: input, filter: taps },
    {
      strides: [1, 1],
      pad: [[0, 0], [rowWin.padBefore, rowWin.padAfter], [colWin.padBefore, colWin.padAfter], [0, 0]],
      dilations: [rows.dilation, cols.dilation],
      dataFormat: 'NHWC',
      dimRoundingMode: 'floor',
    },
  );
}

/**
 * Every phase's filter, [tapsY, tapsX, co, ci] each, in phase order (null for a phase without
 * taps). One transpose swaps the channel axes and one gather picks, flips and groups the taps of
 * all phases; the per-phase filters are then contiguous slices. (Reverse and StridedSlice would
 * do the same through per-element JavaScript loops, several ms per call on a 4x4x64x128 filter.)
 */
function tapFilters(k: KernelCalls, filter: TensorInfo, rowPhases: AxisPhase[], colPhases: AxisPhase[]): (TensorInfo | null)[] {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const swapped = k.reshape(k.transpose(filter, [0, 1, 3, 2]), [kh * kw, co * ci]);
  const order: number[] = [];
  const spans: { begin: number; rows: number; cols: number }[] = [];
  for (const rows of rowPhases) {
    for (const cols of colPhases) {
      spans.push({ begin: order.length, rows: rows.taps.length, cols: cols.taps.length });
      for (const ty of rows.taps) for (const tx of cols.taps) order.push(ty * kw + tx);
    }
  }
  if (order.length === 0) return spans.map(() => null);
  const gathered = k.run('GatherV2', { x: swapped, indices: k.int32(Int32Array.from(order), [order.length]) }, { axis: 0, batchDims: 0 });
  return spans.map(({ begin, rows, cols }) => {
    if (rows * cols === 0) return null;
    const part = spans.length === 1 ? gathered : k.slice(gathered, [begin, 0], [rows * cols, co * ci]);
    return k.reshape(part, [rows, cols, co, ci]);
  });
}

function windowOf(k: KernelCalls, dy: TensorInfo, rows: AxisWindow, cols: AxisWindow): TensorInfo {
  const [n, h, w, c] = dy.shape as [number, number, number, number];
  if (rows.begin === 0 && rows.size === h && cols.begin === 0 && cols.size === w) return dy;
  return k.slice(dy, [0, rows.begin, cols.begin, 0], [n, rows.size, cols.size, c]);
}

/** Drops the trailing rows/columns that phases computed past the input's edge. */
function cropTo(k: KernelCalls, x: TensorInfo, shape: number[]): TensorInfo {
  if (x.shape.every((d, i) => d === shape[i])) return x;
  return k.slice(x, [0, 0, 0, 0], shape);
}

export function conv2dBackpropInputConfig(backendName: string): KernelConfig {
  return { kernelName: 'Conv2DBackpropInput', backendName, kernelFunc: conv2dBackpropInputFunc(backendName) };
}

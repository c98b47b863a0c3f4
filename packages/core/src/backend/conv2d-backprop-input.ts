import * as tf from '#tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { axisPhases, correlationWindow, phaseSpan } from './conv-phases.js';
import type { AxisPhase, AxisWindow } from './conv-phases.js';
import { withKernelCalls } from './kernel-calls.js';
import type { KernelCalls } from './kernel-calls.js';
import { convGeometry } from './conv-attrs.js';
import { KernelInputError } from './errors.js';
import { phaseFilter, unionFilter } from './transposed-conv-filters.js';
import type { UnionPhase } from './transposed-conv-filters.js';

/**
 * Conv2DBackpropInput (the input gradient of conv2d, and the forward pass of conv2dTranspose)
 * built from the backend's fast stride-1 Conv2D.
 *
 * Each output phase (y mod stride, x mod stride) is one stride-1 Conv2D of dy with the flipped,
 * channel-swapped taps that reach that phase (see conv-phases.ts), and two concats interleave the
 * phases; with few input channels one conv over the union of the phases' windows does them all.
 * No zeros are inserted into dy, so the work equals the forward conv's (the stock kernel is a
 * scalar loop, and zero insertion would waste 3/4 of the multiplies at stride 2).
 */
export function conv2dBackpropInputFunc(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const inputShape = (attrs as NamedAttrMap)['inputShape'] as [number, number, number, number];
    const info = convGeometry('Conv2DBackpropInput', inputShape, filter.shape as [number, number, number, number], attrs as NamedAttrMap);
    const expected = info.outShape;
    if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
      throw new KernelInputError(
        `Conv2DBackpropInput: dy has shape [${dy.shape.join(', ')}] but input shape [${inputShape.join(', ')}], ` +
          `filter [${filter.shape.join(', ')}] and these strides/padding give [${info.outShape.join(', ')}].`,
      );
    }
    return withKernelCalls(backend as KernelBackend, backendName, (k) => backpropInput(k, dy, filter, info));
  };
}

/** Below this many input channels a phase conv underfills XNNPACK's output tile; one union conv wins. */
const UNION_MAX_CHANNELS = 8;

function backpropInput(k: KernelCalls, dy: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const rowPhases = axisPhases(info.filterHeight, info.strideHeight, info.dilationHeight, info.padInfo.top);
  const colPhases = axisPhases(info.filterWidth, info.strideWidth, info.dilationWidth, info.padInfo.left);
  const [, , ci, co] = filter.shape as [number, number, number, number];
  const swapped = k.read(k.transpose(filter, [0, 1, 3, 2])); // [kh, kw, co, ci]
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  const undilated = info.dilationHeight === 1 && info.dilationWidth === 1;
  if (strided && undilated && ci < UNION_MAX_CHANNELS) return unionConv(k, dy, swapped, info, rowPhases, colPhases, co, ci);
  return phaseConvs(k, dy, swapped, info, rowPhases, colPhases, co, ci);
}

/**
 * One stride-1 conv per phase, interleaved with concats only: concatenating the column phases of
 * a row phase along channels lays memory out as (x, rx, c), which is [.., cols*sx, c] after a free
 * reshape; concatenating those along width lays out (y, ry, x, c), i.e. [.., rows*sy, width, c].
 * (DepthToSpace does the same through a per-element strided loop, several times slower here.)
 */
function phaseConvs(
  k: KernelCalls,
  dy: TensorInfo,
  swapped: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  rowPhases: AxisPhase[],
  colPhases: AxisPhase[],
  co: number,
  ci: number,
): TensorInfo {
  const [n, h, w] = info.inShape;
  const { strideHeight: sy, strideWidth: sx } = info;
  const rowsPerPhase = Math.ceil(h / sy);
  const colsPerPhase = Math.ceil(w / sx);
  const rowsOut: TensorInfo[] = [];
  for (const rows of rowPhases) {
    const cols = colPhases.map((cols) => {
      const rowWin = correlationWindow(rows.first, phaseSpan(rows), info.outHeight, rowsPerPhase);
      const colWin = correlationWindow(cols.first, phaseSpan(cols), info.outWidth, colsPerPhase);
      if (rowWin === null || colWin === null) return k.zeros([n, rowsPerPhase, colsPerPhase, ci]);
      const taps = k.constant(phaseFilter(swapped, info.filterWidth, co * ci, rows.taps, cols.taps), [
        rows.taps.length,
        cols.taps.length,
        co,
        ci,
      ]);
      return correlate(k, dy, taps, rowWin, colWin, [rows.dilation, cols.dilation]);
    });
    const joined = cols.length === 1 ? cols[0]! : k.run('Concat', cols, { axis: 3 });
    rowsOut.push(k.reshape(joined, [n, rowsPerPhase, colsPerPhase * sx, ci]));
  }
  const all = rowsOut.length === 1 ? rowsOut[0]! : k.run('Concat', rowsOut, { axis: 2 });
  return cropTo(k, k.reshape(all, [n, rowsPerPhase * sy, colsPerPhase * sx, ci]), [n, h, w, ci]);
}

/**
 * Every phase from one stride-1 conv over the union of the phases' windows (zero taps where a
 * phase has none), with sy*sx*ci output channels; one transpose interleaves them. Costs more
 * multiplies than phaseConvs (a 3x3 window instead of 2x2 at k4 s2) but fills XNNPACK's tiles
 * when ci is small, where four 1-channel convs run at a fraction of the speed.
 */
function unionConv(
  k: KernelCalls,
  dy: TensorInfo,
  swapped: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  rowPhases: AxisPhase[],
  colPhases: AxisPhase[],
  co: number,
  ci: number,
): TensorInfo {
  const [n, h, w] = info.inShape;
  const { strideHeight: sy, strideWidth: sx } = info;
  const rowsPerPhase = Math.ceil(h / sy);
  const colsPerPhase = Math.ceil(w / sx);
  const rowRange = unionRange(rowPhases);
  const colRange = unionRange(colPhases);
  const rowWin = rowRange && correlationWindow(rowRange.first, rowRange.span, info.outHeight, rowsPerPhase);
  const colWin = colRange && correlationWindow(colRange.first, colRange.span, info.outWidth, colsPerPhase);
  if (!rowRange || !colRange || !rowWin || !colWin) return k.zeros([n, h, w, ci]);

  const phases: UnionPhase[] = [];
  for (const rows of rowPhases) {
    for (const cols of colPhases) {
      phases.push({ rowTaps: rows.taps, colTaps: cols.taps, rowOffset: rows.first - rowRange.first, colOffset: cols.first - colRange.first });
    }
  }
  const outChannels = sy * sx * ci;
  const values = unionFilter(swapped, info.filterWidth, co, ci, rowRange.span, colRange.span, phases);
  const taps = k.constant(values, [rowRange.span, colRange.span, co, outChannels]);
  const all = correlate(k, dy, taps, rowWin, colWin, [1, 1]); // [n, rows, cols, (ry, rx, c)]
  const split = k.reshape(all, [n, rowsPerPhase, colsPerPhase, sy, sx * ci]);
  const moved = k.transpose(split, [0, 1, 3, 2, 4]); // [n, rows, ry, cols, (rx, c)]
  return cropTo(k, k.reshape(moved, [n, rowsPerPhase * sy, colsPerPhase * sx, ci]), [n, h, w, ci]);
}

/** The dy range every phase's taps fall into (dilation 1): first index and length. */
function unionRange(phases: AxisPhase[]): { first: number; span: number } | null {
  const used = phases.filter((p) => p.taps.length > 0);
  if (used.length === 0) return null;
  const first = Math.min(...used.map((p) => p.first));
  const last = Math.max(...used.map((p) => p.first + p.taps.length - 1));
  return { first, span: last - first + 1 };
}

/** A stride-1 conv of the dy window with `taps`, zero padding as the window says. */
function correlate(k: KernelCalls, dy: TensorInfo, taps: TensorInfo, rows: AxisWindow, cols: AxisWindow, dilations: [number, number]): TensorInfo {
  return k.run(
    'Conv2D',
    { x: windowOf(k, dy, rows, cols), filter: taps },
    {
      strides: [1, 1],
      pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
      dilations,
      dataFormat: 'NHWC',
      dimRoundingMode: 'floor',
    },
  );
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

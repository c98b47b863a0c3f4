import * as tf from '#tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { KernelInputError } from './errors.js';

type Shape4 = [number, number, number, number];

function pair(value: unknown, name: string, kernel: string): [number, number] {
  if (value === undefined || value === null) return [1, 1];
  const v = typeof value === 'number' ? [value, value] : (value as number[]);
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new KernelInputError(`${kernel}: ${name} must be a positive integer or a pair of them, got ${JSON.stringify(value)}.`);
  }
  return [v[0]!, v[1]!];
}

/**
 * The geometry of the forward conv a gradient kernel belongs to, from the attributes tfjs passes to Conv2DBackpropInput / Conv2DBackpropFilter. tfjs itself
 * never passes `dilations` to them (its conv2d gradient refuses dilated convs), but a caller
 * running the kernel directly may, so an optional `dilations` attribute is honoured.
 */
export function convGeometry(kernel: string, xShape: Shape4, filterShape: Shape4, attrs: NamedAttrMap): tf.backend_util.Conv2DInfo {
  if (xShape?.length !== 4 || filterShape?.length !== 4) {
    throw new KernelInputError(`${kernel}: input and filter must be rank 4 (NHWC and [kh, kw, ci, co]), got [${xShape}] and [${filterShape}].`);
  }
  const dataFormat = (attrs['dataFormat'] as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') {
    throw new KernelInputError(`${kernel} on the wasm backend supports dataFormat 'NHWC' only, got '${dataFormat}'.`);
  }
  if (xShape[3] !== filterShape[2]) {
    throw new KernelInputError(
      `${kernel}: the input has ${xShape[3]} channels but the filter [${filterShape.join(', ')}] expects ${filterShape[2]}.`,
    );
  }
  const strides = pair(attrs['strides'], 'strides', kernel);
  const dilations = pair(attrs['dilations'], 'dilations', kernel);
  const pad = attrs['pad'] as tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
  const dimRoundingMode = attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined;
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
}

/**
 * Explicit pads with which a floor-rounding conv over the input yields exactly outHeight x
 * outWidth rows and columns. A negative bottom/right means that many trailing input rows/columns
 * must be cut first: tfjs may round the output size up ('ceil'/'round' with a numeric pad; the
 * extra rows read zero padding, as in the cpu backend) or, with a numeric pad, size the width
 * with the height's stride, leaving trailing columns unread.
 */
export function exactPads(info: tf.backend_util.Conv2DInfo): { top: number; bottom: number; left: number; right: number } {
  const { top, left } = info.padInfo;
  const rows = (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1;
  const cols = (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1;
  return { top, bottom: rows - top - info.inHeight, left, right: cols - left - info.inWidth };
}

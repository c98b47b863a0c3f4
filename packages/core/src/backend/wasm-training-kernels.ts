import * as tf from '#tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { matMulTransposedConfig } from './matmul-transposed.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { BackendUnavailableError } from './errors.js';

const WASM = 'wasm';

/** Marks kernels installed by dgm, so registering again can recognise them (idempotence). */
const DGM_KERNEL = Symbol.for('dgm.backend.trainingKernel');

type MarkedConfig = KernelConfig & { [DGM_KERNEL]?: true };

function isOurs(name: string): boolean {
  return (tf.getKernel(name, WASM) as MarkedConfig | undefined)?.[DGM_KERNEL] === true;
}

function install(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, WASM) !== undefined) tf.unregisterKernel(config.kernelName, WASM);
  tf.registerKernel({ ...config, [DGM_KERNEL]: true } as MarkedConfig);
}

/** Kernel names dgm replaces or adds on the wasm backend. */
export const WASM_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul', 'UnsortedSegmentSum'] as const;

/**
 * Installs dgm's training kernels on the wasm backend: Conv2DBackpropFilter (missing in
 * tfjs-backend-wasm 4.22, so conv layers could not train), a Conv2DBackpropInput built from the
 * fast XNNPACK convolution (the stock one is a scalar loop), and matmuls that stay fast when an
 * operand is transposed (every dense layer's backward pass), and UnsortedSegmentSum (missing too:
 * the gradient of a gather, so of every Embedding layer). Safe to call any number of times.
 * The wasm backend must be registered (import '@tensorflow/tfjs-backend-wasm') first.
 */
export function registerWasmTrainingKernels(): void {
  const stockMatMul = tf.getKernel('BatchMatMul', WASM);
  const stockFused = tf.getKernel('_FusedMatMul', WASM);
  if (stockMatMul === undefined || stockFused === undefined || tf.getKernel('Conv2D', WASM) === undefined) {
    throw new BackendUnavailableError(
      "The wasm backend's kernels are not registered: import '@tensorflow/tfjs-backend-wasm' before registering dgm's training kernels.",
    );
  }
  if (!isOurs('Conv2DBackpropFilter')) install(conv2dBackpropFilterConfig(WASM));
  if (!isOurs('Conv2DBackpropInput')) install(conv2dBackpropInputConfig(WASM));
  if (!isOurs('BatchMatMul')) install(matMulTransposedConfig(stockMatMul));
  if (!isOurs('_FusedMatMul')) install(matMulTransposedConfig(stockFused));
  if (!isOurs('UnsortedSegmentSum')) install(unsortedSegmentSumConfig(WASM));
}

import { tf } from '@dgm/core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { initBackend } from '@dgm/core';
import { median } from './stats.js';

/** One kernel call of a DCGAN training step, timed with the stock wasm kernel and with dgm's. */
export interface KernelComparison {
  kernel: string;
  what: string;
  /** Median process CPU ms per call; null where tfjs-backend-wasm has no such kernel. */
  stockMs: number | null;
  dgmMs: number;
  /** Median CPU ms of the forward Conv2D of the same layer, for scale. */
}

interface Case {
  kernel: string;
  what: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: NamedAttrMap;
}

const CASES: Case[] = [
  {
    kernel: 'Conv2D',
    what: 'D conv2 forward [64,14,14,64] * [4,4,64,128] s2 (for scale)',
    inputs: () => ({ x: tf.randomNormal([64, 14, 14, 64]), filter: tf.randomNormal([4, 4, 64, 128]) }),
    attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] },
  },
  {
    kernel: 'Conv2DBackpropInput',
    what: 'D conv2 dx / G up1 forward: [64,7,7,128] -> [64,14,14,64]',
    inputs: () => ({ dy: tf.randomNormal([64, 7, 7, 128]), filter: tf.randomNormal([4, 4, 64, 128]) }),
    attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', inputShape: [64, 14, 14, 64] },
  },
  {
    kernel: 'Conv2DBackpropInput',
    what: 'D conv1 dx / G out forward: [64,14,14,64] -> [64,28,28,1]',
    inputs: () => ({ dy: tf.randomNormal([64, 14, 14, 64]), filter: tf.randomNormal([4, 4, 1, 64]) }),
    attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', inputShape: [64, 28, 28, 1] },
  },
  {
    kernel: 'Conv2DBackpropFilter',
    what: 'D conv2 / G up1 filter gradient [4,4,64,128]',
    inputs: () => ({ x: tf.randomNormal([64, 14, 14, 64]), dy: tf.randomNormal([64, 7, 7, 128]) }),
    attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [4, 4, 64, 128] },
  },
  {
    kernel: 'Conv2DBackpropFilter',
    what: 'D conv1 / G out filter gradient [4,4,1,64]',
    inputs: () => ({ x: tf.randomNormal([64, 28, 28, 1]), dy: tf.randomNormal([64, 14, 14, 64]) }),
    attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [4, 4, 1, 64] },
  },
  {
    kernel: 'BatchMatMul',
    what: 'G dense weight gradient z^T [100,64] . dy [64,6272]',
    inputs: () => ({ a: tf.randomNormal([1, 64, 100]), b: tf.randomNormal([1, 64, 6272]) }),
    attrs: { transposeA: true, transposeB: false },
  },
  {
    kernel: 'BatchMatMul',
    what: 'D dense input gradient dy [64,1] . W^T [1,6272]',
    inputs: () => ({ a: tf.randomNormal([1, 64, 1]), b: tf.randomNormal([1, 6272, 1]) }),
    attrs: { transposeA: false, transposeB: true },
  },
];

function timeCalls(f: KernelFunc, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap, calls: number): number {
  const backend = tf.backend();
  const once = () => {
    const start = process.cpuUsage();
    const out = f({ inputs, backend, attrs }) as TensorInfo;
    const used = process.cpuUsage(start);
    backend.disposeData(out.dataId);
    return (used.user + used.system) / 1000;
  };
  once(); // warm-up: XNNPACK operator creation, wasm tier-up
  return median(Array.from({ length: calls }, once));
}

/**
 * Times each case with the kernel tfjs-backend-wasm ships (captured before dgm replaces it) and
 * with dgm's, on the same inputs, in process CPU time. Activates the wasm backend.
 */
export async function compareKernels(calls: number): Promise<KernelComparison[]> {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm'); // stock kernels only, their setup run
  const stock = new Map(CASES.map((c) => [c.kernel, tf.getKernel(c.kernel, 'wasm')?.kernelFunc ?? null]));
  await initBackend('wasm');
  const results: KernelComparison[] = [];
  for (const c of CASES) {
    const inputs = c.inputs();
    const dgm = tf.getKernel(c.kernel, 'wasm')!.kernelFunc;
    const stockFunc = stock.get(c.kernel) ?? null;
    results.push({
      kernel: c.kernel,
      what: c.what,
      stockMs: stockFunc === null ? null : timeCalls(stockFunc, inputs, c.attrs, c.kernel === 'Conv2D' ? calls : Math.min(calls, 3)),
      dgmMs: timeCalls(dgm, inputs, c.attrs, calls),
    });
    tf.dispose(Object.values(inputs));
  }
  return results;
}

import { util } from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { withKernelCalls } from './kernel-calls.js';

/**
 * BatchMatMul / _FusedMatMul that stay on XNNPACK when an operand is transposed.
 *
 * The wasm backend runs a matmul through XNNPACK only when neither operand is transposed and
 * there is a single batch; otherwise it falls to a scalar triple loop (about 50x slower). Every
 * dense layer's backward pass asks for x^T·dy and dy·W^T, so training a dense layer hits the
 * slow loop twice per step. Here a transposed operand is transposed explicitly (a memory pass)
 * and the stock kernel then takes its fast path. Batched products keep the stock kernel.
 */
export function matMulTransposedFunc(kernelName: 'BatchMatMul' | '_FusedMatMul', stock: KernelFunc, backendName: string): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as NamedAttrMap;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const single = util.sizeFromShape(a.shape.slice(0, -2)) === 1 && util.sizeFromShape(b.shape.slice(0, -2)) === 1;
    if ((!transposeA && !transposeB) || !single || a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);

    return withKernelCalls(
      backend as KernelBackend,
      backendName,
      (k) => {
        const plain = (t: TensorInfo, transposed: boolean): TensorInfo => {
          const rows = t.shape[t.shape.length - 2]!;
          const cols = t.shape[t.shape.length - 1]!;
          const as3d = k.reshape(t, [1, rows, cols]);
          return transposed ? k.transpose(as3d, [0, 2, 1]) : as3d;
        };
        const out = k.run(kernelName, { ...inputs, a: plain(a, transposeA), b: plain(b, transposeB) }, {
          ...attrs,
          transposeA: false,
          transposeB: false,
        });
        // Keep the caller's batch rank: [..., 1, 1, m, n] stays that shape.
        const outerDims = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
        return k.reshape(out, [...outerDims, out.shape[1]!, out.shape[2]!]);
      },
      { [kernelName]: stock },
    );
  };
}

/** Wraps the stock config; its setupFunc is kept so a re-initialised backend still binds the stock kernel. */
export function matMulTransposedConfig(stock: KernelConfig): KernelConfig {
  const kernelName = stock.kernelName as 'BatchMatMul' | '_FusedMatMul';
  const config: KernelConfig = { kernelName, backendName: stock.backendName, kernelFunc: matMulTransposedFunc(kernelName, stock.kernelFunc, stock.backendName) };
  if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
  return config;
}

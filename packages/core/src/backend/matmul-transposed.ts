import * as tf from '#tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { withKernelCalls } from './kernel-calls.js';
import type { KernelCalls } from './kernel-calls.js';

/**
 * BatchMatMul / _FusedMatMul that stay on XNNPACK when an operand is transposed.
 *
 * The wasm backend runs a matmul through XNNPACK only when neither operand is transposed and
 * there is a single batch; otherwise it falls to a scalar triple loop (about 50x slower). Every
 * dense layer's backward pass asks for x^T·dy and dy·W^T, so training a dense layer hits the
 * slow loop twice per step. Here transposed operands are transposed explicitly (one memory pass)
 * and the stock kernel then takes its fast path. Batched products keep the stock kernel.
 *
 * XNNPACK packs the right-hand operand on every call with a new tensor, at several times the
 * cost of a transpose per element, and with a small left-hand side (a batch of 64) packing can
 * cost more than the product. So a plain BatchMatMul may instead compute C^T = B^T·A^T (packing
 * A instead of B) and transpose the result, whichever moves fewer bytes by the estimate below.
 */
export function matMulTransposedFunc(kernelName: 'BatchMatMul' | '_FusedMatMul', stock: KernelFunc, backendName: string): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const attrs = args.attrs as NamedAttrMap;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const single = tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 && tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
    if ((!transposeA && !transposeB) || !single || a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);

    return withKernelCalls(
      backend as KernelBackend,
      backendName,
      (k) => {
        const aRows = a.shape[a.shape.length - 2]!;
        const aCols = a.shape[a.shape.length - 1]!;
        const bRows = b.shape[b.shape.length - 2]!;
        const bCols = b.shape[b.shape.length - 1]!;
        const a3 = k.reshape(a, [1, aRows, aCols]);
        const b3 = k.reshape(b, [1, bRows, bCols]);
        const m = transposeA ? aCols : aRows;
        const inner = transposeA ? aRows : aCols;
        const n = transposeB ? bRows : bCols;
        const outerDims = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);

        let out: TensorInfo;
        if (kernelName === 'BatchMatMul' && swappedIsCheaper(m, inner, n, transposeA, transposeB)) {
          // C^T = op(B)^T · op(A)^T; op(X)^T is X itself when X was to be transposed.
          const left = transposeB ? b3 : k.transpose(b3, [0, 2, 1]); // [1, n, inner]
          const right = transposeA ? a3 : k.transpose(a3, [0, 2, 1]); // [1, inner, m]
          out = k.transpose(plainProduct(k, kernelName, inputs, attrs, left, right), [0, 2, 1]);
        } else {
          const left = transposeA ? k.transpose(a3, [0, 2, 1]) : a3;
          const right = transposeB ? k.transpose(b3, [0, 2, 1]) : b3;
          out = plainProduct(k, kernelName, inputs, attrs, left, right);
        }
        // Keep the caller's batch rank: [..., 1, 1, m, n] stays that shape.
        return k.reshape(out, [...outerDims, m, n]);
      },
      { [kernelName]: stock },
    );
  };
}

/** Relative costs per element, measured on XNNPACK/wasm: packing a right-hand side vs a transpose. */
const PACK_COST = 8;
const TRANSPOSE_COST = 1.5;

function swappedIsCheaper(m: number, inner: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  const direct = (transposeA ? TRANSPOSE_COST * m * inner : 0) + (transposeB ? TRANSPOSE_COST * inner * n : 0) + PACK_COST * inner * n;
  const swapped =
    (transposeB ? 0 : TRANSPOSE_COST * inner * n) + (transposeA ? 0 : TRANSPOSE_COST * m * inner) + PACK_COST * inner * m + TRANSPOSE_COST * m * n;
  return swapped < direct;
}

function plainProduct(
  k: KernelCalls,
  kernelName: string,
  inputs: Record<string, TensorInfo | undefined>,
  attrs: NamedAttrMap,
  left: TensorInfo,
  right: TensorInfo,
): TensorInfo {
  return k.run(kernelName, { ...inputs, a: left, b: right } as Record<string, TensorInfo>, { ...attrs, transposeA: false, transposeB: false });
}

/** Wraps the stock config; its setupFunc is kept so a re-initialised backend still binds the stock kernel. */
export function matMulTransposedConfig(stock: KernelConfig): KernelConfig {
  const kernelName = stock.kernelName as 'BatchMatMul' | '_FusedMatMul';
  const config: KernelConfig = { kernelName, backendName: stock.backendName, kernelFunc: matMulTransposedFunc(kernelName, stock.kernelFunc, stock.backendName) };
  if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
  return config;
}

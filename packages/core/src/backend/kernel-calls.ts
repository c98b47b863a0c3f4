import * as tf from '#tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/**
 * Runs other kernels of one backend from inside a kernel, and frees every intermediate it made.
 *
 * A composite kernel cannot use tf ops (the engine would record them on the gradient tape and
 * count them as tensors); it calls the registered kernel functions directly on TensorInfos, which
 * only the backend knows about. Each TensorInfo a kernel returns holds one reference on its data
 * (reshape returns the same data with one more reference), so freeing means one disposeData per
 * returned TensorInfo, except the one handed back to the engine.
 */
export class KernelCalls {
  private readonly made: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    private readonly backendName: string,
    private readonly overrides: Readonly<Record<string, KernelFunc>> = {},
  ) {}

  /** Runs kernel `name` (an override when given, else the registered one) and tracks its output. */
  run(name: string, inputs: NamedTensorInfoMap | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const kernelFunc = this.overrides[name] ?? tf.getKernel(name, this.backendName)?.kernelFunc;
    if (kernelFunc === undefined) {
      throw new Error(`Kernel ${name} is not registered for backend '${this.backendName}'.`);
    }
    const out = kernelFunc({ inputs: inputs as NamedTensorInfoMap, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`Kernel ${name} returned several outputs; expected one.`);
    this.made.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** A new tensor holding `values` (a filter built in JavaScript), freed with the intermediates. */
  constant(values: Float32Array | Int32Array, shape: number[]): TensorInfo {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    const out: TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.made.push(out);
    return out;
  }

  /** The values of a float32 tensor (a copy); only for small tensors such as filters. */
  read(x: TensorInfo): Float32Array {
    return this.backend.readSync(x.dataId) as Float32Array;
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** Hands `out` to the caller (it will not be freed) and frees every other intermediate. */
  finish(out: TensorInfo): TensorInfo {
    let kept = false;
    for (const t of this.made) {
      if (!kept && t === out) {
        kept = true;
        continue;
      }
      this.backend.disposeData(t.dataId);
    }
    this.made.length = 0;
    if (!kept) throw new Error('KernelCalls.finish: the result was not made by this kernel.');
    return out;
  }

  /** Frees every intermediate (used when the kernel fails half-way). */
  abandon(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` with a fresh KernelCalls and frees its intermediates whether it returns or throws. */
export function withKernelCalls(
  backend: KernelBackend,
  backendName: string,
  body: (calls: KernelCalls) => TensorInfo,
  overrides?: Readonly<Record<string, KernelFunc>>,
): TensorInfo {
  const calls = new KernelCalls(backend, backendName, overrides);
  try {
    return calls.finish(body(calls));
  } catch (err) {
    calls.abandon();
    throw err;
  }
}

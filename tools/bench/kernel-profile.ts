import { tf } from '@dgm/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';

/** Self time (excluding kernels it called) of one kernel name + input shapes. */
export interface KernelTime {
  kernel: string;
  shapes: string;
  calls: number;
  selfMs: number;
}

/**
 * Wraps every kernel registered for `backendName` with a timer of its self time (composite
 * kernels such as dgm's Conv2DBackpropInput call other kernels; their time goes to those), in
 * process CPU time so other processes on a shared machine do not inflate it. tf.profile() would
 * count nested kernels twice. Returns a function that restores the original kernels.
 */
export function instrumentKernels(backendName: string, sink: Map<string, KernelTime>): () => void {
  const originals: KernelConfig[] = tf.getKernelsForBackend(backendName);
  const stack: { childMs: number }[] = [];
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (const config of originals) {
    const inner = config.kernelFunc;
    const timed: KernelFunc = (args) => {
      const frame = { childMs: 0 };
      stack.push(frame);
      const start = cpuMs();
      try {
        return inner(args);
      } finally {
        const elapsed = cpuMs() - start;
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent !== undefined) parent.childMs += elapsed;
        const inputs = Object.values(args.inputs as Record<string, { shape?: number[] } | undefined>);
        const shapes = inputs.map((t) => (t?.shape ? `[${t.shape.join(',')}]` : '-')).join(' ');
        const key = `${config.kernelName} ${shapes}`;
        const entry = sink.get(key) ?? { kernel: config.kernelName, shapes, calls: 0, selfMs: 0 };
        entry.calls++;
        entry.selfMs += elapsed - frame.childMs;
        sink.set(key, entry);
      }
    };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: timed });
  }
  return () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
}

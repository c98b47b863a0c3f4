import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend, registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/backend/index.js';
import type { ModuleLoader } from '../../src/backend/index.js';
import { isInputError } from '../../src/input-error.js';

// tfjs-node(-gpu) cannot be installed here (no CUDA, native build): the 'tensorflow' paths run
// once for real (the packages are absent, so the real dynamic import fails) and otherwise with a
// stand-in loader that records which module is asked for and, where a test needs it, registers
// a 'tensorflow' backend on our tfjs-core the way tfjs-node does on import.

/** What Node's import() throws for a package that is not installed. */
function notInstalled(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /somewhere/init-backend.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** A loader where `installed` modules "load" (running their side effect) and the rest are absent. */
function standIn(installed: Record<string, () => void>): { load: ModuleLoader; requested: string[] } {
  const requested: string[] = [];
  const load: ModuleLoader = async (specifier) => {
    requested.push(specifier);
    const effect = installed[specifier];
    if (effect === undefined) throw notInstalled(specifier);
    effect();
    return {};
  };
  return { load, requested };
}

/** What importing tfjs-node(-gpu) does to tfjs-core: register a backend named 'tensorflow' (here a cpu one). */
function registerFakeTensorflow(): void {
  tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!, 3);
}

const realImport: ModuleLoader = (specifier) => import(specifier);

/** The native packages a user installed where this workspace resolves them (the README tells GPU users to). */
const NATIVE_INSTALLED = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter((pkg) => {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
});

/** The real import() for wasm; the native packages absent, as on a machine without them. */
const withoutNative: ModuleLoader = (specifier) => (specifier === '@tensorflow/tfjs-backend-wasm' ? import(specifier) : Promise.reject(notInstalled(specifier)));

afterEach(async () => {
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it.runIf(NATIVE_INSTALLED.length === 0)("'tensorflow' with neither package installed (the real import) names both npm install commands", async () => {
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(isInputError(err)).toBe(true); // the CLI prints the sentence and exits 2
    const message = (err as Error).message;
    expect(message).toContain('@tensorflow/tfjs-node-gpu is not installed');
    expect(message).toContain('@tensorflow/tfjs-node is not installed');
    expect(message).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    expect(message).toContain('CUDA 11.2 and cuDNN 8.1');
    expect(message).toContain('npm install @tensorflow/tfjs-node@4.22.0');
  });

  it.runIf(NATIVE_INSTALLED.length > 0)("'tensorflow' with a native package installed (the real import) uses it or says why it failed to load", async () => {
    const outcome = await initBackend('tensorflow').catch((e: unknown) => e);
    if (outcome instanceof Error) {
      // e.g. tfjs-node-gpu without CUDA: never "not installed" for a package that is.
      for (const pkg of NATIVE_INSTALLED) expect(outcome.message).not.toContain(`${pkg} is not installed`);
      expect(outcome.message).toContain('failed to load');
    } else {
      expect((outcome as { backend: string }).backend).toBe('tensorflow');
      expect(NATIVE_INSTALLED.some((pkg) => (outcome as { detail: string }).detail.includes(pkg))).toBe(true);
    }
  });

  it("'tensorflow' asks for tfjs-node-gpu first and uses it when present", async () => {
    const { load, requested } = standIn({ '@tensorflow/tfjs-node-gpu': registerFakeTensorflow });
    const logs: string[] = [];
    const result = await initBackend('tensorflow', { loadModule: load, log: (m) => logs.push(m) });
    expect(requested).toEqual(['@tensorflow/tfjs-node-gpu']);
    expect(result.backend).toBe('tensorflow');
    expect(result.detail).toContain('@tensorflow/tfjs-node-gpu');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(logs.join('\n')).toContain('tensorflow');
  });

  it("'tensorflow' falls back to tfjs-node when tfjs-node-gpu is absent", async () => {
    const { load, requested } = standIn({ '@tensorflow/tfjs-node': registerFakeTensorflow });
    const result = await initBackend('tensorflow', { loadModule: load });
    expect(requested).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(result.detail).toContain('@tensorflow/tfjs-node (native TensorFlow, CPU)');
  });

  it('says why an installed tfjs-node-gpu failed to load (missing CUDA libraries)', async () => {
    const load: ModuleLoader = async (specifier) => {
      if (specifier === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
      throw notInstalled(specifier);
    };
    const err = await initBackend('tensorflow', { loadModule: load }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toContain('@tensorflow/tfjs-node-gpu failed to load (libcudart.so.11.0');
  });

  it('reports a package that registered on another copy of tfjs-core', async () => {
    const { load } = standIn({ '@tensorflow/tfjs-node-gpu': () => {}, '@tensorflow/tfjs-node': () => {} });
    const err = await initBackend('tensorflow', { loadModule: load }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('another copy of @tensorflow/tfjs-core');
  });

  it("'auto' prefers tensorflow when it loads", async () => {
    const { load } = standIn({ '@tensorflow/tfjs-node-gpu': registerFakeTensorflow, '@tensorflow/tfjs-backend-wasm': () => {} });
    const result = await initBackend('auto', { loadModule: load });
    expect(result.backend).toBe('tensorflow');
  });

  it("'auto' without tensorflow picks wasm (real import), registers the training kernels and says so", async () => {
    const logs: string[] = [];
    const result = await initBackend('auto', { loadModule: withoutNative, log: (m) => logs.push(m) });
    expect(result.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('backend: wasm');
    expect(logs[0]).toContain('@tensorflow/tfjs-node-gpu is not installed');
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it("'auto' falls back to cpu when wasm cannot load either", async () => {
    const { load } = standIn({});
    const logs: string[] = [];
    const result = await initBackend('auto', { loadModule: load, log: (m) => logs.push(m) });
    expect(result.backend).toBe('cpu');
    expect(logs[0]).toContain('backend: cpu');
  });

  it("'cpu' and 'wasm' activate those backends; registering the kernels again changes nothing", async () => {
    expect((await initBackend('cpu')).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm', { loadModule: realImport })).backend).toBe('wasm');
    const before = WASM_TRAINING_KERNELS.map((n) => tf.getKernel(n, 'wasm'));
    registerWasmTrainingKernels();
    await initBackend('wasm');
    expect(WASM_TRAINING_KERNELS.map((n) => tf.getKernel(n, 'wasm'))).toEqual(before);
  });

  it('conv training works on wasm after initBackend (the stock backend throws there)', async () => {
    await initBackend('wasm');
    const g = tf.tidy(() => {
      const x = tf.ones([1, 6, 6, 2]);
      const w = tf.variable(tf.ones([3, 3, 2, 4]));
      const { grads } = tf.variableGrads(() => tf.sum(tf.conv2d(x as tf.Tensor4D, w as unknown as tf.Tensor4D, 2, 'same')), [w]);
      const out = grads[w.name]!.dataSync();
      w.dispose();
      return out;
    });
    expect(g.length).toBe(3 * 3 * 2 * 4);
    expect(Array.from(g).every((v) => v > 0)).toBe(true);
  });

  it("leaves the process's own error handling alone: an unhandled rejection after 'wasm' exits 1 with its message, not 7", () => {
    // tfjs-backend-wasm's Emscripten glue adds process listeners that rethrow (Node then exits 7,
    // "internal exception handler run-time failure"); initBackend takes them away again. A real
    // process, since the test runner has listeners of its own.
    const core = new URL('../../dist/index.js', import.meta.url).href;
    const script = `const { initBackend } = await import(${JSON.stringify(core)});
      const kinds = ['uncaughtException', 'unhandledRejection'];
      const before = kinds.map((k) => process.listenerCount(k));
      await initBackend('wasm');
      console.log(JSON.stringify({ before, after: kinds.map((k) => process.listenerCount(k)) }));
      Promise.reject(new Error('a stray rejection'));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(child.stdout.trim())).toEqual({ before: [0, 0], after: [0, 0] });
    expect(child.stderr).toContain('a stray rejection');
    expect(child.status).toBe(1);
  });

  it('rejects an unknown choice with the allowed ones', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow("Unknown backend 'gpu'; choose one of auto, tensorflow, wasm, cpu.");
  });
});

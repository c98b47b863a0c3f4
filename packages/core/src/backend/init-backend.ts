import * as tf from '#tfjs';
import { BackendUnavailableError } from './errors.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import { withoutAddedErrorListeners } from './process-handlers.js';

import { BACKEND_NAMES, type BackendChoice } from '../names.js';

/** Which TensorFlow.js backend to run on; 'auto' takes the fastest one available. */
export type { BackendChoice } from '../names.js';

/** names.ts's BACKEND_NAMES, under the name this module has always exported. */
export const BACKEND_CHOICES: readonly BackendChoice[] = BACKEND_NAMES;

/** Loads a module by name; the default is the runtime's dynamic import(). */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface InitBackendOptions {
  /** Receives one line saying which backend was chosen and why. */
  log?: (msg: string) => void;
  /**
   * Replaces dynamic import() for every backend package (tfjs-node-gpu, tfjs-node and
   * tfjs-backend-wasm; a stand-in should pass the ones it does not fake to import()). Only for
   * tests that stand in for packages that cannot be installed here (tfjs-node-gpu needs CUDA);
   * real runs leave it unset.
   */
  loadModule?: ModuleLoader;
}

export interface InitBackendResult {
  /** The tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** Human-readable: which package, and what it runs on. */
  detail: string;
}

export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

const INSTALL_HINT =
  `install one of them next to @dgm/core: \`npm install ${TFJS_NODE_GPU}@${tf.version_core}\` ` +
  `(NVIDIA GPUs; needs CUDA 11.2 and cuDNN 8.1) or \`npm install ${TFJS_NODE}@${tf.version_core}\` (CPU, native TensorFlow)`;

/**
 * The wasm backend is imported by a literal specifier so bundlers ship it for the browser; the
 * optional native packages by a computed one, which bundlers leave alone (they are Node-only).
 */
const defaultLoader: ModuleLoader = (specifier) => {
  if (specifier === TFJS_WASM) return import('@tensorflow/tfjs-backend-wasm');
  const standIn = specifier === TFJS_NODE_GPU ? gpuStandIn() : undefined;
  return import(standIn ?? specifier);
};

/**
 * Test hook, for machines without a GPU (CI, this project's own suite): DGM_TFJS_NODE_GPU_STAND_IN
 * names an absolute path of a module imported in place of tfjs-node-gpu (it registers a
 * 'tensorflow' backend, as the real package does on import). It replaces only what cannot exist
 * there (the CUDA library); everything around it runs for real in real processes: the CLI's check
 * that the package is installed (cli/src/gpu/gpu-runtime.ts reads the same variable), GPU ids
 * becoming per-worker --gpu flags, CUDA_VISIBLE_DEVICES being set before this import. Real runs
 * leave it unset.
 */
function gpuStandIn(): string | undefined {
  const path = typeof process === 'undefined' ? undefined : process.env?.DGM_TFJS_NODE_GPU_STAND_IN;
  return path !== undefined && path.startsWith('/') ? path : undefined;
}

/**
 * True when `err` says `specifier` itself is not installed (not that it failed while loading, nor
 * that one of its own dependencies is missing). Node says "Cannot find package 'x'"; Vite-based
 * runners and bundlers say 'Could not resolve "x"' / 'Failed to resolve import "x"'.
 */
function isNotInstalled(err: unknown, specifier: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  const namesIt = message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`);
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve|Failed to resolve/.test(message);
  return namesIt && notFound;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

interface Attempt {
  specifier: string;
  outcome: 'missing' | 'broken';
  error: unknown;
}

/**
 * Loads tfjs-node-gpu, else tfjs-node, and activates their 'tensorflow' backend. Returns null with
 * the attempts when neither could be used.
 */
async function tryTensorflow(load: ModuleLoader): Promise<{ result: InitBackendResult | null; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  for (const specifier of [TFJS_NODE_GPU, TFJS_NODE]) {
    try {
      await load(specifier);
    } catch (error) {
      attempts.push({ specifier, outcome: isNotInstalled(error, specifier) ? 'missing' : 'broken', error });
      continue;
    }
    // The package registers 'tensorflow' on the @tensorflow/tfjs-core it imports; a second copy
    // of tfjs-core (a version mismatch) would leave ours without it.
    if (tf.findBackendFactory('tensorflow') === null) {
      attempts.push({
        specifier,
        outcome: 'broken',
        error: new Error(
          `it loaded but registered its backend on another copy of @tensorflow/tfjs-core; install ${specifier}@${tf.version_core} so npm shares one copy`,
        ),
      });
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      attempts.push({ specifier, outcome: 'broken', error: new Error('its backend failed to initialise') });
      continue;
    }
    const onGpu = specifier === TFJS_NODE_GPU;
    return {
      result: { backend: 'tensorflow', detail: `${specifier} (native TensorFlow${onGpu ? ' built for CUDA GPUs' : ', CPU'})` },
      attempts,
    };
  }
  return { result: null, attempts };
}

function describeAttempts(attempts: Attempt[]): string {
  return attempts
    .map((a) => (a.outcome === 'missing' ? `${a.specifier} is not installed` : `${a.specifier} failed to load (${reason(a.error)})`))
    .join('; ');
}

async function activateWasm(load: ModuleLoader): Promise<InitBackendResult> {
  try {
    await withoutAddedErrorListeners(() => load(TFJS_WASM));
  } catch (error) {
    throw new BackendUnavailableError(`The wasm backend could not be loaded from ${TFJS_WASM}: ${reason(error)}.`, { cause: error });
  }
  if (tf.findBackendFactory('wasm') === null) {
    throw new BackendUnavailableError(
      `${TFJS_WASM} loaded but registered on another copy of @tensorflow/tfjs-core; install ${TFJS_WASM}@${tf.version_core}.`,
    );
  }
  registerWasmTrainingKernels();
  if (!(await withoutAddedErrorListeners(() => tf.setBackend('wasm')))) {
    throw new BackendUnavailableError(`The wasm backend failed to initialise (is its .wasm file reachable? see setWasmPaths in ${TFJS_WASM}).`);
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi-threaded' : 'one thread';
  return { backend: 'wasm', detail: `${TFJS_WASM} (XNNPACK, ${simd}, ${threads}) with dgm's training kernels` };
}

async function activateCpu(): Promise<InitBackendResult> {
  if (!(await tf.setBackend('cpu'))) throw new BackendUnavailableError('The cpu backend failed to initialise.');
  return { backend: 'cpu', detail: 'pure JavaScript (slow for convolutions; for tests and tiny models)' };
}

/**
 * Activates a TensorFlow.js backend and reports which one.
 * - 'tensorflow': @tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node (optional peers); throws
 *   BackendUnavailableError naming the npm install commands when neither can be used.
 * - 'wasm': the embedded XNNPACK backend, with dgm's training kernels registered (idempotent).
 * - 'cpu': pure JavaScript.
 * - 'auto' (default): tensorflow if installed, else wasm, else cpu; `opts.log` hears the choice.
 */
export async function initBackend(choice: BackendChoice = 'auto', opts: InitBackendOptions = {}): Promise<InitBackendResult> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new BackendUnavailableError(`Unknown backend '${String(choice)}'; choose one of ${BACKEND_CHOICES.join(', ')}.`);
  }
  const load = opts.loadModule ?? defaultLoader;
  const log = opts.log ?? (() => {});

  if (choice === 'cpu') return activateCpu();
  if (choice === 'wasm') return activateWasm(load);

  const { result, attempts } = await tryTensorflow(load);
  if (result !== null) {
    log(`backend: tensorflow via ${result.detail}`);
    return result;
  }
  if (choice === 'tensorflow') {
    throw new BackendUnavailableError(`Backend 'tensorflow' is unavailable: ${describeAttempts(attempts)}; ${INSTALL_HINT}.`);
  }

  try {
    const wasm = await activateWasm(load);
    log(`backend: wasm — ${wasm.detail} (${describeAttempts(attempts)})`);
    return wasm;
  } catch (error) {
    const cpu = await activateCpu();
    log(`backend: cpu — ${cpu.detail} (tensorflow unavailable: ${describeAttempts(attempts)}; wasm unavailable: ${reason(error)})`);
    return cpu;
  }
}

// GPUs are used through @tensorflow/tfjs-node-gpu, an optional peer of @dgm/core that users
// install themselves. Asking for GPUs without it must say exactly what to install.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { UsageError } from '../errors.js';

export const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';

/** The sentence users see when they ask for GPUs without the GPU build of tfjs installed. */
export const MISSING_GPU_RUNTIME =
  `GPU training needs ${GPU_PACKAGE}, which is not installed; run \`npm install ${GPU_PACKAGE}@4.22.0\` ` +
  '(it needs CUDA 11.2 and cuDNN 8.1 on the machine), or use --workers N to train on CPU workers.';

/**
 * Test hook (see @dgm/core's init-backend.ts, which imports the module it names): when
 * DGM_TFJS_NODE_GPU_STAND_IN is set, the GPU build counts as installed exactly when that file exists.
 */
export const GPU_STAND_IN_ENV = 'DGM_TFJS_NODE_GPU_STAND_IN';

/** True when the GPU build of tfjs can be resolved from where @dgm/core loads it. */
export function hasGpuRuntime(env: NodeJS.ProcessEnv = process.env): boolean {
  const standIn = env[GPU_STAND_IN_ENV];
  if (standIn !== undefined) return isAbsolute(standIn) && existsSync(standIn);
  for (const from of [import.meta.url, `${process.cwd()}/`]) {
    try {
      createRequire(from).resolve(`${GPU_PACKAGE}/package.json`);
      return true;
    } catch {
      // not found from this location; try the next
    }
  }
  return false;
}

/** Throws the install sentence as a UsageError unless tfjs-node-gpu is installed. */
export function assertGpuRuntime(): void {
  if (!hasGpuRuntime()) throw new UsageError(MISSING_GPU_RUNTIME);
}

// The environment under which an engine (srun, torchrun, mpirun) finds `dgm` as users install it:
// the workspace's node_modules/.bin, where npm links the CLI's bin.
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN_DIR = fileURLToPath(new URL('../../../../node_modules/.bin', import.meta.url));

/** process.env with `dgm` first on PATH. */
export function envWithDgm(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', PATH: `${BIN_DIR}${delimiter}${process.env.PATH ?? ''}`, ...extra };
}

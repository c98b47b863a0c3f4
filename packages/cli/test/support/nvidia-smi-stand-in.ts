// A stand-in `nvidia-smi` (a real executable on PATH) printing a given listing for `-L`, for the
// GPU paths on a machine without a GPU. Optionally it records each call, so a test can prove that
// nvidia-smi was not asked (a scheduler's grant must be used as it is).
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Writes `<binDir>/nvidia-smi` and returns process.env with binDir first on PATH and no
 * CUDA_VISIBLE_DEVICES. `calls`: a file each call appends its arguments to.
 */
export function nvidiaSmiStandIn(binDir: string, output: string, options: { exitCode?: number; calls?: string } = {}): NodeJS.ProcessEnv {
  rmSync(binDir, { recursive: true, force: true });
  mkdirSync(binDir, { recursive: true });
  const script = join(binDir, 'nvidia-smi');
  const record = options.calls ? `echo "$@" >> '${options.calls}'\n` : '';
  const text = output.endsWith('\n') || output === '' ? output : `${output}\n`;
  writeFileSync(script, `#!/bin/sh\n${record}[ "$1" = "-L" ] || exit 9\ncat <<'OUT'\n${text}OUT\nexit ${options.exitCode ?? 0}\n`);
  chmodSync(script, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH}` };
  delete env.CUDA_VISIBLE_DEVICES;
  return env;
}

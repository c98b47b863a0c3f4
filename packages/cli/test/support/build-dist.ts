// End-to-end tests run the built `dgm` (dist/); build it first so they never test stale code.
// `tsc -b` is incremental: when nx has just built, this is a quick up-to-date check.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
}

// Runs `dgm` in this process with captured streams: the real dispatcher, parsing and validation,
// without the cost of a new Node process (end-to-end tests spawn the real binary).
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function dgm(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    entryScript: fileURLToPath(new URL('../../dist/main.js', import.meta.url)),
  });
  return { code, stdout, stderr };
}

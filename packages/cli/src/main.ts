#!/usr/bin/env node
// Entry point of the `dgm` command (package.json "bin"). Everything heavy (tfjs, ZeroMQ) is loaded
// by the commands that need it, so `dgm --help` and flag errors answer at once.
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.js';

// A terminal or launcher that went away closes these pipes: what is left to say goes to the run's
// logs, and a write that fails (EPIPE) must not crash the clean stop that follows.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  entryScript: fileURLToPath(import.meta.url),
});
process.exitCode = code;
// Sockets or timers a library forgot to close must not keep a finished command alive.
setTimeout(() => process.exit(code), 2_000).unref();

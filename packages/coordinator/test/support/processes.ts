// Real worker (and coordinator) processes for tests, started from the built entry scripts, and
// always reaped: a test must never leave a process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKER_ENTRY, workerEnv } from '@dgm/worker';

export interface Spawned {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) and everything printed. */
  exit: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  stdout(): string;
  stderr(): string;
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): Spawned {
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      // Give the pipes a moment to drain what the process printed last.
      setTimeout(() => resolve({ code, signal, stdout, stderr }), 50);
    });
  });
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

/** Starts the worker entry script on CPU (wasm backend) connecting to `address`. */
export function spawnWorker(address: string, extra: string[] = []): Spawned {
  const child = spawn(process.execPath, [WORKER_ENTRY, '--connect', address, '--backend', 'wasm', ...extra], {
    env: workerEnv(process.env, { gpu: null }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

// The built script (tests import src/, whose folder has no main.js): `test` depends on `build`.
const COORDINATOR_ENTRY = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Starts the coordinator entry script. */
export function spawnCoordinator(args: string[]): Spawned {
  return track(spawn(process.execPath, [COORDINATOR_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Kills every process a test started and has not seen exit. */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

/** Resolves when `predicate(stdout so far)` holds, polling; rejects after `ms`. */
export async function waitForOutput(p: Spawned, predicate: (out: string) => boolean, ms: number): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (predicate(p.stdout())) return p.stdout();
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`expected output did not appear within ${ms} ms; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
}

// Real worker (and coordinator) processes for tests, started as users start them — `dgm worker`
// and `dgm coordinator` of the built CLI, the one entry point of every dgm process — and always
// reaped: a test must never leave a process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The built CLI, by path rather than by import: @dgm/cli depends on this package, so the tests
// only run its binary (nx builds @dgm/cli before this package's `test`: see package.json "nx").
const DGM = fileURLToPath(new URL('../../../cli/bin/dgm.js', import.meta.url));

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

/** Starts `dgm worker` on CPU (wasm backend) connecting to `address`. */
export function spawnWorker(address: string, extra: string[] = [], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [DGM, 'worker', '--connect', address, '--backend', 'wasm', ...extra], {
    // A CPU worker sees no GPU (what the launchers give a CPU worker: see workerEnv in the worker package's device.ts).
    env: { ...process.env, CUDA_VISIBLE_DEVICES: '-1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

/** Starts `dgm coordinator --json` with `args` (its stdout is JSON lines: listening, step, result). */
export function spawnCoordinator(args: string[]): Spawned {
  return track(spawn(process.execPath, [DGM, 'coordinator', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The endpoint of a `dgm coordinator --json`, once it listens. */
export async function listeningAddress(coordinator: Spawned, ms = 60_000): Promise<string> {
  const out = await waitForOutput(coordinator, (o) => o.includes('"event":"listening"'), ms);
  const line = out.split('\n').find((l) => l.includes('"event":"listening"'))!;
  return (JSON.parse(line) as { endpoint: string }).endpoint;
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

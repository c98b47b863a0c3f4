// Runs the built `dgm` binary as a real process and collects what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DGM = fileURLToPath(new URL('../../bin/dgm.js', import.meta.url));

export interface DgmProcess {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** JSON lines printed on stdout so far. */
  events: Record<string, unknown>[];
  /** Resolves with the exit code (or 128 + signal number) when the process ends. */
  exited: Promise<number>;
  /** Resolves with the first event matching `test` (rejects if the process ends first). */
  waitFor(test: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts `dgm <argv>`; it is SIGKILLed if still running after `timeoutMs` (a hang fails the test, never the suite). */
export function startDgm(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; ownProcessGroup?: boolean }): DgmProcess {
  // ownProcessGroup: dgm leads a process group, as in a terminal, so a test can send Ctrl-C's
  // SIGINT to the whole group (dgm and its workers) with process.kill(-pid, 'SIGINT').
  const child = spawn(process.execPath, [DGM, ...argv], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  const p: DgmProcess = {
    child,
    stdout: '',
    stderr: '',
    events: [],
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15)));
    }),
    waitFor(test, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = p.events.find(test);
          if (found) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event within ${timeoutMs} ms; stderr: ${p.stderr.slice(-2000)}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`dgm exited before the event; stderr: ${p.stderr.slice(-2000)}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout?.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
  };
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    p.stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        p.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        p.events.push({ event: 'not-json', line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (p.stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 110_000);
  void p.exited.then(() => clearTimeout(killer));
  return p;
}

/** Runs `dgm <argv>` to the end. */
export async function runDgm(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<DgmProcess & { code: number }> {
  const p = startDgm(argv, options);
  const code = await p.exited;
  return Object.assign(p, { code });
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of `pids` exists (or the timeout passes); returns those still alive. */
export async function waitGone(pids: number[], timeoutMs = 10_000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    alive = alive.filter(isAlive);
  }
  return alive;
}

// Starts and supervises the worker processes of a local run: one child per CPU worker or GPU,
// each with its own environment (device pinning), its output forwarded line by line, and an IPC
// channel whose closing tells the child its parent is gone (so no worker outlives the launcher,
// even if the launcher is killed with SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { GpuId } from '@dgm/worker/device';
import { workerEnv } from '../gpu/worker-env.js';
import { KEYS_FD, KEYS_FD_ENV } from '../commands/security-flags.js';

/** One local worker to start. */
export interface WorkerSlot {
  /** 0-based index among the local workers (used in labels and log file names). */
  index: number;
  /** GPU (an index, or a UUID as the scheduler granted it), or null for a CPU worker. */
  gpu: GpuId | null;
}

/** How a worker process ended. */
export interface WorkerExit {
  slot: WorkerSlot;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchOptions {
  slots: WorkerSlot[];
  /** Executable (usually process.execPath) and its arguments for one slot. */
  command: string;
  args: (slot: WorkerSlot) => string[];
  baseEnv?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Keys handed to every worker on an inherited pipe (file descriptor KEYS_FD, named by
   * KEYS_FD_ENV): never on disk, in argv or in the environment, where other users could read them.
   */
  handoff?: string | null;
  /** Receives each line a worker prints on stdout or stderr. */
  onLine?: (slot: WorkerSlot, line: string, stream: 'stdout' | 'stderr') => void;
  /** Called once per worker when it exits, whatever the reason. */
  onExit?: (exit: WorkerExit) => void;
}

/** The running workers. */
export class LocalWorkers {
  readonly children: { slot: WorkerSlot; child: ChildProcess }[] = [];
  private readonly exits = new Map<number, WorkerExit>();
  private readonly allExited: Promise<WorkerExit[]>;

  constructor(options: LaunchOptions) {
    const base = options.baseEnv ?? process.env;
    const promises: Promise<WorkerExit>[] = [];
    for (const slot of options.slots) {
      const handoff = options.handoff ?? null;
      const env: NodeJS.ProcessEnv = { ...workerEnv(base, slot.gpu), DGM_LAUNCHER_PID: String(process.pid) };
      delete env[KEYS_FD_ENV];
      if (handoff !== null) env[KEYS_FD_ENV] = String(KEYS_FD);
      const child = spawn(options.command, options.args(slot), {
        cwd: options.cwd,
        env,
        stdio: handoff !== null ? ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'] : ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      if (handoff !== null) {
        const pipe = child.stdio[KEYS_FD] as NodeJS.WritableStream | null;
        pipe?.on('error', () => undefined); // a child that died at once: its exit is reported below
        pipe?.end(handoff);
      }
      this.children.push({ slot, child });
      for (const stream of ['stdout', 'stderr'] as const) {
        const readable = child[stream];
        if (!readable) continue;
        const rl = createInterface({ input: readable, crlfDelay: Infinity });
        rl.on('line', (line) => options.onLine?.(slot, line, stream));
      }
      promises.push(
        new Promise<WorkerExit>((resolve) => {
          let done = false;
          const finish = (exit: WorkerExit) => {
            if (done) return;
            done = true;
            this.exits.set(slot.index, exit);
            options.onExit?.(exit);
            resolve(exit);
          };
          child.once('exit', (code, signal) => finish({ slot, pid: child.pid ?? -1, code, signal }));
          // A child that could not start (ENOENT) emits 'error' and may never emit 'exit'.
          child.once('error', () => finish({ slot, pid: child.pid ?? -1, code: 127, signal: null }));
        }),
      );
    }
    this.allExited = Promise.all(promises);
  }

  /** Process ids of the workers (those that started). */
  get pids(): number[] {
    return this.children.map((c) => c.child.pid).filter((p): p is number => typeof p === 'number');
  }

  /** True once every worker has exited. */
  get finished(): boolean {
    return this.exits.size === this.children.length;
  }

  /** Resolves when every worker has exited. */
  waitAll(): Promise<WorkerExit[]> {
    return this.allExited;
  }

  /**
   * Ends the workers: waits `graceMs` for them to exit by themselves (the coordinator has told
   * them to stop), then SIGTERM, then SIGKILL after `killMs`. Resolves when all are gone.
   */
  async stop(graceMs: number, killMs = 5_000): Promise<WorkerExit[]> {
    if (await this.settlesWithin(graceMs)) return this.allExited;
    this.signalAll('SIGTERM');
    if (await this.settlesWithin(killMs)) return this.allExited;
    this.signalAll('SIGKILL');
    return this.allExited;
  }

  /** Sends a signal to every worker still running. */
  signalAll(signal: NodeJS.Signals): void {
    for (const { slot, child } of this.children) {
      if (!this.exits.has(slot.index) && child.exitCode === null && child.signalCode === null) {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      }
    }
  }

  private settlesWithin(ms: number): Promise<boolean> {
    if (this.finished) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.allExited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** Starts the workers described by `options`. */
export function launchLocalWorkers(options: LaunchOptions): LocalWorkers {
  return new LocalWorkers(options);
}

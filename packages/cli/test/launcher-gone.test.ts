// A run whose launching process goes away, as with `timeout 60 npx dgm train` (timeout's SIGTERM
// kills npx, which does not pass it on): the CLI notices that its parent is gone, stops the run
// cleanly (final checkpoint, workers told to stop), and no dgm process is left behind. Real
// processes: a shell launches the real CLI and is killed; DGM_DETACHED=1 lets a run outlive it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DGM, waitGone } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-launcher-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--workers', '1', '--json'];

interface Wrapped {
  shell: ChildProcess;
  events: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves when dgm closes the output it inherited from the shell (dgm has ended). */
  closed: Promise<void>;
  waitFor(test: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** `sh -c 'dgm train ...; true'`: a launcher that is not dgm and dies of SIGTERM without passing it on. */
function underShell(argv: string[], env: NodeJS.ProcessEnv = {}): Wrapped {
  const quoted = [process.execPath, DGM, ...argv].map((a) => `'${a}'`).join(' ');
  const shell = spawn('/bin/sh', ['-c', `${quoted}; true`], { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  const listeners = new Set<() => void>();
  shell.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as Record<string, unknown>);
    for (const l of listeners) l();
  });
  shell.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((resolve) => shell.stdout!.once('close', resolve));
  return {
    shell,
    events,
    stderr: () => stderr,
    closed,
    waitFor: (test) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such event within 90 s; stderr: ${stderr}`)), 90_000);
        const check = () => {
          const found = events.find(test);
          if (!found) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(found);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** The dgm process the shell started (its only child). */
function childOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  expect(children).toHaveLength(1);
  return children[0];
}

it('stops cleanly with a final checkpoint when its launcher dies of SIGTERM, leaving no process behind; DGM_DETACHED=1 runs on', async () => {
  const run = join(root, 'orphaned');
  const detachedRun = join(root, 'detached');
  const a = underShell(['train', ...TINY, '--steps', '100000', '--out', run]);
  const b = underShell(['train', ...TINY, '--steps', '30', '--out', detachedRun], { DGM_DETACHED: '1' });
  // Each shell is killed as soon as its run has made a step (the detached run has many left).
  await b.waitFor((e) => e.event === 'step');
  const detachedCli = childOf(b.shell.pid!);
  b.shell.kill('SIGTERM');
  const { pids } = (await a.waitFor((e) => e.event === 'workers')) as { pids: number[] };
  await a.waitFor((e) => e.event === 'step');
  const cli = childOf(a.shell.pid!);
  a.shell.kill('SIGTERM');

  // The poll notices within half a second; the final checkpoint of this tiny model takes a moment.
  expect(await waitGone([cli, ...pids], 20_000)).toEqual([]);
  await a.closed;
  expect(a.events.find((e) => e.event === 'log' && String(e.message).includes('is gone'))?.message).toBe(
    `The process that started this run (pid ${a.shell.pid}) is gone; stopping the run as if interrupted.`,
  );
  const result = a.events.find((e) => e.event === 'result') as { status: string; step: number; checkpoint: string };
  expect(result).toMatchObject({ status: 'interrupted', checkpoint: join(run, 'checkpoints', `step-${String(result.step).padStart(6, '0')}`) });
  expect(readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim()).toBe(`step-${String(result.step).padStart(6, '0')}`);

  // The detached run was not stopped: it finishes its 30 steps.
  await b.closed;
  // Its output closes as it exits: give the exit itself a moment (a busy machine is slow to reap).
  expect(await waitGone([detachedCli], 10_000)).toEqual([]);
  expect(b.events.find((e) => e.event === 'result'), b.stderr()).toMatchObject({ status: 'finished', step: 30 });
});

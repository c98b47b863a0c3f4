// What a `dgm train` run leaves behind, from outside, with the real CLI and real worker
// processes: by default the last 3 checkpoints; shared-memory segments readable by their owner
// only (0600) while they exist; and no segment in /dev/shm once the run is over, whether it
// finished, was interrupted with Ctrl-C, or lost a worker to kill -9 (mid-run or before step 1).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDgm, startDgm, waitGone, type DgmProcess } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const SHM = '/dev/shm';
const root = mkdtempSync(join(tmpdir(), 'dgm-cli-leftovers-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Two workers on one host: the shared-memory plane, so each worker makes a segment.
const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--workers', '2', '--json'];

/** Segment files of these processes in /dev/shm (workers name them dgm-<pid>-<random>.seg). */
function segmentsOf(pids: number[]): string[] {
  return readdirSync(SHM).filter((name) => pids.some((pid) => name.startsWith(`dgm-${pid}-`) && name.endsWith('.seg')));
}

/** Watches /dev/shm and stats every dgm segment the moment it appears: name → permission bits. */
function watchSegments(): { seen: Map<string, number>; close(): void } {
  const seen = new Map<string, number>();
  const watcher: FSWatcher = watch(SHM, (_event, name) => {
    if (typeof name !== 'string' || !/^dgm-\d+-[0-9a-f]+\.seg$/.test(name) || seen.has(name)) return;
    try {
      seen.set(name, statSync(join(SHM, name)).mode & 0o777);
    } catch {
      // removed already (its name goes once every peer opened it)
    }
  });
  return { seen, close: () => watcher.close() };
}

// Linux, where dgm runs, always has /dev/shm: a missing one is a failure here, not a reason to skip.
describe('a run and /dev/shm', () => {
  let run: DgmProcess & { code: number };
  let segments: Map<string, number>;
  const out = join(root, 'finished');

  beforeAll(async () => {
    const watcher = watchSegments();
    try {
      run = await runDgm(['train', ...TINY, '--steps', '5', '--checkpoint-every', '1', '--out', out], { cwd: root });
    } finally {
      watcher.close();
    }
    segments = watcher.seen;
    expect(run.code, run.stderr).toBe(0);
  });

  it('keeps the last 3 checkpoints by default', () => {
    const kept = readdirSync(join(out, 'checkpoints')).sort();
    expect(kept).toEqual(['latest', 'step-000003', 'step-000004', 'step-000005']);
    expect(readFileSync(join(out, 'checkpoints/latest'), 'utf8').trim()).toBe('step-000005');
  });

  it('made one 0600 segment per worker and left none behind', () => {
    const { pids } = run.events.find((e) => e.event === 'workers') as { pids: number[] };
    expect(run.events.find((e) => e.event === 'result')).toMatchObject({ dataPlane: 'shared' });
    const ours = [...segments].filter(([name]) => pids.some((pid) => name.startsWith(`dgm-${pid}-`)));
    expect(ours.map(([name]) => Number(name.split('-')[1])).sort()).toEqual([...pids].sort());
    for (const [name, mode] of ours) expect(mode.toString(8), name).toBe('600');
    expect(segmentsOf(pids)).toEqual([]);
  });

  it('leaves no segment after Ctrl-C', async () => {
    const p = startDgm(['train', ...TINY, '--steps', '100000', '--out', join(root, 'interrupted')], { cwd: root, ownProcessGroup: true });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    await p.waitFor((e) => e.event === 'step');
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-(p.child.pid as number), 'SIGINT');
    expect(await p.exited, p.stderr).toBe(130);
    expect(await waitGone(pids, 5_000)).toEqual([]);
    expect(segmentsOf(pids)).toEqual([]);
  });

  it('leaves no segment of a worker killed with kill -9 before the first step', async () => {
    const p = startDgm(['train', ...TINY, '--steps', '100000', '--out', join(root, 'early')], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    // Its segment exists as soon as it prepared its plane, before it joins: its peer never opened it.
    const end = Date.now() + 60_000;
    while (segmentsOf([pids[0]]).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(segmentsOf([pids[0]])).toHaveLength(1);
    expect(p.events.some((e) => e.event === 'step')).toBe(false);
    process.kill(pids[0], 'SIGKILL');
    expect(await p.exited).toBe(1);
    expect(await waitGone(pids, 5_000)).toEqual([]);
    expect(segmentsOf(pids)).toEqual([]);
  });

  it('leaves no segment when dgm itself is killed with kill -9 before the first step (its workers leave with it)', async () => {
    const p = startDgm(['train', ...TINY, '--steps', '100000', '--out', join(root, 'launcher-killed')], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    const end = Date.now() + 60_000;
    while (segmentsOf(pids).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(segmentsOf(pids)).toHaveLength(2);
    p.child.kill('SIGKILL');
    await p.exited;
    expect(await waitGone(pids, 5_000)).toEqual([]);
    expect(segmentsOf(pids)).toEqual([]);
  });

  it('leaves no segment after a worker is killed with kill -9 mid-run', async () => {
    const p = startDgm(['train', ...TINY, '--steps', '100000', '--out', join(root, 'crashed')], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    await p.waitFor((e) => e.event === 'step');
    process.kill(pids[1], 'SIGKILL');
    expect(await p.exited).toBe(1);
    expect(await waitGone(pids, 5_000)).toEqual([]);
    expect(segmentsOf(pids)).toEqual([]);
  });
});

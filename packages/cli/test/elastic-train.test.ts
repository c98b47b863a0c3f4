// Elastic runs from the CLI, with the real `dgm train` and its real worker children: with
// --min-workers below --workers, a child killed with kill -9 no longer ends the run (the
// coordinator drops it, the others redo its step); every child is still reaped and no segment is
// left. --max-failures stops the run with a final checkpoint and one sentence; the flags are
// checked with one sentence and exit 2, and settings.json keeps them for --resume.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDgm, startDgm, waitGone } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-elastic-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '6', '--workers', '3', '--json'];
const segmentsOf = (pids: number[]) => readdirSync('/dev/shm').filter((name) => pids.some((pid) => name.startsWith(`dgm-${pid}-`)));

describe('dgm train with --min-workers', () => {
  it('goes on after kill -9 of a worker, finishes, reaps every child and leaves no segment', async () => {
    const out = join(root, 'elastic');
    const p = startDgm(['train', ...TINY, '--min-workers', '2', '--steps', '40', '--out', out], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    await p.waitFor((e) => e.event === 'step' && (e.step as number) >= 3);
    process.kill(pids[1]!, 'SIGKILL');
    expect(await p.exited, p.stderr).toBe(0);
    expect(p.events.find((e) => e.event === 'result')).toBeDefined();
    // The coordinator's one line about the loss (with --json, a log event).
    const warnings = p.events.filter((e) => e.event === 'log' && e.level === 'warn').map((e) => String(e.message));
    expect(warnings.filter((w) => w.includes('left at step'))).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(new RegExp(`worker rank \\d \\(pid ${pids[1]} on [^)]+\\) left at step \\d+: .+; 2 workers remain \\(at least 2 needed\\)`));
    // And the launcher's line about the child's own end (the only trace of one that dies before joining).
    expect(warnings).toContain(`Worker 1 (pid ${pids[1]}) was killed by SIGKILL; the elastic run goes on without it. See ${join(out, 'logs', 'worker-1.log')}.`);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; workers: number; membership?: { event: string; pid: number }[] });
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(metrics.flatMap((m) => m.membership ?? [])).toEqual([expect.objectContaining({ event: 'left', pid: pids[1] })]);
    expect(metrics.at(-1)!.workers).toBe(2);
    expect(JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).settings).toMatchObject({ 'min-workers': 2, 'max-failures': 10 });
    expect(await waitGone(pids, 5_000)).toEqual([]);
    expect(segmentsOf(pids)).toEqual([]);
  });

  it('stops past --max-failures with a final checkpoint and one sentence (exit 1)', async () => {
    const out = join(root, 'max-failures');
    const p = startDgm(['train', ...TINY, '--min-workers', '1', '--max-failures', '0', '--steps', '100000', '--out', out], { cwd: root });
    const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
    await p.waitFor((e) => e.event === 'step' && (e.step as number) >= 2);
    process.kill(pids[2]!, 'SIGKILL');
    expect(await p.exited).toBe(1);
    expect(p.stdout + p.stderr).toMatch(/1 workers were lost, more than --max-failures 0 allows \(the last: rank \d on .+\), so the run stopped after \d+ steps with its checkpoint .+step-\d+/);
    expect(p.stdout + p.stderr).not.toMatch(/\n\s+at /); // a sentence, no stack trace
    expect(readFileSync(join(out, 'checkpoints', 'latest'), 'utf8').trim()).toMatch(/^step-\d+$/);
    expect(await waitGone(pids, 5_000)).toEqual([]);
    expect(segmentsOf(pids)).toEqual([]);
  });

  it('checks the flags with one sentence and exit 2, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--min-workers', '4'], /--min-workers is 4, more than the 3 workers the run starts with; allowed is 1 to 3\./],
      [['--max-workers', '2'], /--max-workers is 2, fewer than the 3 workers the run starts with; allowed is 3 or more\./],
      [['--max-workers', '7'], /--batch-size 6 is the global batch and cannot be split over --max-workers 7 workers/],
      [['--min-workers', '0'], /--min-workers/],
      [['--max-failures', '-1'], /--max-failures/],
    ];
    for (const [flags, sentence] of cases) {
      const out = join(root, `bad-${flags.join('')}`);
      const r = await runDgm(['train', ...TINY, '--steps', '2', '--out', out, ...flags], { cwd: root });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(sentence);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });
});

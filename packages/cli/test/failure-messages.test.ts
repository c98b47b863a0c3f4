// How failures read on the terminal, with the real CLI and real processes: each is said once, as a
// sentence, never a raw JSON log line or an errno alone. A checkpoint that cannot be written (a
// tmpfs mounted here too small for a second checkpoint: ENOSPC) names its step, its path and the
// previous checkpoint, intact; a worker that finds no coordinator says so in words; a local worker
// killed with kill -9 is reported as killed, not as an unreachable host.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDgm, startDgm, waitGone } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-failures-'));
const data = join(root, 'images.npy');
const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4'];
beforeAll(() => writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The lines of stderr that report an error. */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

it('a checkpoint that cannot be written (ENOSPC) is named once, with the previous checkpoint intact', async () => {
  const run = join(root, 'full');
  mkdirSync(run);
  // This VAE's checkpoints take about 930 kB: 1400 kB hold the first (step 2), not the second (step 4).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1400k', 'tmpfs', run]);
  try {
    const r = await runDgm(['train', ...TINY, '--workers', '1', '--steps', '6', '--checkpoint-every', '2', '--out', run], { cwd: root });
    expect(r.code, r.stderr).toBe(1);
    const checkpoints = join(run, 'checkpoints');
    expect(errorLines(r.stderr)).toEqual([
      `error: could not write the checkpoint of step 4 to ${join(checkpoints, 'step-000004')}: no space left on the device (ENOSPC); the previous checkpoint, ${join(checkpoints, 'step-000002')}, is intact, and --resume continues from it.`,
    ]);
    expect(r.stderr).not.toMatch(/ENOSPC: no space left on device, write/);
    expect(readFileSync(join(checkpoints, 'latest'), 'utf8').trim()).toBe('step-000002');
    expect(readdirSync(checkpoints).sort()).toEqual(['latest', 'step-000002']);
  } finally {
    execFileSync('umount', [run]);
  }
});

it('a worker that finds no coordinator says so in one sentence, no JSON log line', async () => {
  const r = await runDgm(['worker', '--connect', 'tcp://127.0.0.1:9', '--join-timeout-ms', '1000'], { cwd: root });
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(/^\{/m);
  expect(errorLines(r.stderr)).toEqual(['error: no answer from a coordinator at tcp://127.0.0.1:9 within 1000 ms (is it running, and is the address right?)']);
});

it('a local worker killed with kill -9 is reported as killed, once, and not as an unreachable host', async () => {
  const p = startDgm(['train', ...TINY, '--workers', '2', '--steps', '100000', '--json', '--out', join(root, 'killed')], { cwd: root });
  const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
  await p.waitFor((e) => e.event === 'step');
  process.kill(pids[0], 'SIGKILL');
  expect(await p.exited).toBe(1);
  expect(await waitGone(pids, 5_000)).toEqual([]);
  expect(p.stderr).not.toMatch(/unreachable/i);
  expect(errorLines(p.stderr)).toEqual([expect.stringMatching(new RegExp(`^error: Worker 0 \\(pid ${pids[0]}\\) was killed by SIGKILL; the run stops\\.`))]);
});

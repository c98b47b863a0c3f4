// A second Ctrl-C while the final checkpoint is being written: dgm exits at once (130) and says
// plainly what can be resumed — the newest complete checkpoint — and leaves no unfinished
// checkpoint folder behind. Real CLI, real workers, real files.
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDgm, waitGone } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-forced-'));
const data = join(root, 'images.npy');
beforeAll(() => writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('a second interrupt names the checkpoint the run resumes from and removes the unfinished one', async () => {
  const run = join(root, 'run');
  const p = startDgm(['train', '--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--workers', '1', '--steps', '100000', '--checkpoint-every', '1', '--json', '--out', run], { cwd: root });
  const { pids } = (await p.waitFor((e) => e.event === 'workers')) as { pids: number[] };
  await p.waitFor((e) => e.event === 'step' && (e.step as number) >= 2);
  // Ctrl-C, then Ctrl-C again the moment a checkpoint folder is being written (inotify sees its
  // temporary folder appear), or after 10 s if none is seen.
  const checkpoints = join(run, 'checkpoints');
  const writing = new Promise<void>((resolve) => {
    const watcher = watch(checkpoints, (_event, name) => {
      if (typeof name === 'string' && name.startsWith('.tmp-step-')) {
        watcher.close();
        resolve();
      }
    });
    setTimeout(() => {
      watcher.close();
      resolve();
    }, 10_000);
  });
  p.child.kill('SIGINT');
  await writing;
  p.child.kill('SIGINT');
  expect(await p.exited, p.stderr).toBe(130);
  expect(await waitGone(pids, 5_000)).toEqual([]);
  const said = p.events.find((e) => e.event === 'log' && String(e.message).startsWith('Second interrupt'));
  const latest = readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim();
  const step = Number(latest.slice('step-'.length));
  expect(said?.message).toBe(`Second interrupt: stopped without the final checkpoint; the run can be resumed from step ${step} (${join(run, 'checkpoints', latest)}): dgm train --resume ${run}`);
  expect(readdirSync(join(run, 'checkpoints')).filter((name) => name.startsWith('.'))).toEqual([]);
});

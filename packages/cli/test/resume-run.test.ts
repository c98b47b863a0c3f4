// What `--resume` keeps and what it says, with the real CLI, real workers and real files: a run
// whose newest checkpoint is damaged after step 4 (as a crash mid-write leaves it) resumes from
// step 2 and says so on the terminal; its settings (here --checkpoint-every, --tensorboard,
// --workers) survive the resume unless given again (--sample-every 0); metrics.jsonl then holds
// each step once, and TensorBoard is told to drop the older events of the steps trained again.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDgm, type DgmProcess } from './support/spawn-dgm.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-resume-'));
const data = join(root, 'images.npy');
const run = join(root, 'run');
const tensorboard = join(root, 'tb');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dgm train --resume of a run whose latest checkpoint is damaged', () => {
  let resumed: DgmProcess & { code: number };

  beforeAll(async () => {
    writeFlatImages(data, 40, 8, 8, (i) => 5 + 6 * i);
    const first = await runDgm(
      ['train', '--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '4', '--workers', '1', '--steps', '4', '--checkpoint-every', '2', '--sample-every', '2', '--max-skipped-steps', '3', '--tensorboard', tensorboard, '--out', run],
      { cwd: root },
    );
    expect(first.code, first.stderr).toBe(0);
    // The final checkpoint (step 4) damaged: the newest intact one is step 2, and metrics.jsonl holds steps 1 to 4.
    appendFileSync(join(run, 'checkpoints', 'step-000004', 'state.json'), ' ');
    resumed = await runDgm(['train', '--resume', run, '--steps', '8', '--sample-every', '0'], { cwd: root });
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('says on the terminal that it falls back to the older checkpoint', () => {
    expect(resumed.stderr).toMatch(/warning: Falling back to checkpoint step-000002 .*step-000004.*damaged.*the run resumes from step 2\./);
    expect(resumed.stderr).toMatch(/Resuming .* at step 2 of 8/);
  });

  it('keeps the settings not given again (--checkpoint-every 2, one worker) and takes the ones given (--sample-every 0)', () => {
    expect(readdirSync(join(run, 'checkpoints'))).toContain('step-000006');
    expect(resumed.stderr).toMatch(/Started 1 worker process /);
    expect(existsSync(join(run, 'samples', 'step-000006.png'))).toBe(false);
    expect(JSON.parse(readFileSync(join(run, 'settings.json'), 'utf8')).settings).toMatchObject({ workers: 1, 'checkpoint-every': 2, 'sample-every': 0, 'max-skipped-steps': 3, tensorboard });
  });

  it('averages alone (the solo plane) in both runs of its one worker', () => {
    const log = readFileSync(join(run, 'logs', 'coordinator.log'), 'utf8');
    expect(log.match(/"message":"data plane: [a-z]+/g)).toEqual(['"message":"data plane: solo', '"message":"data plane: solo']);
    expect(log).not.toMatch(/dropped a message/); // a GRADS would be: the solo plane takes no plane message
  });

  it('leaves each step once in metrics.jsonl', () => {
    const steps = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('writes the resumed steps to TensorBoard after a SessionLog START at step 3', () => {
    const files = readdirSync(tensorboard).sort();
    expect(files).toHaveLength(2);
    const fixtures = fileURLToPath(new URL('../../report/test/fixtures/', import.meta.url));
    const generated = mkdtempSync(join(root, 'pb-'));
    expect(spawnSync('protoc', [`--proto_path=${fixtures}`, `--python_out=${generated}`, join(fixtures, 'tensorboard_event.proto')]).status).toBe(0);
    const r = spawnSync('/usr/bin/python3', [join(fixtures, 'read_events.py'), join(tensorboard, files[1]), generated], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const events = JSON.parse(r.stdout) as { step: number; what: string; session_status: string }[];
    expect(events.slice(1).map((e) => `${e.what}:${e.step}`)).toEqual(['session_log:3', ...[3, 4, 5, 6, 7, 8].map((s) => `summary:${s}`)]);
    expect(events[1].session_status).toBe('START');
  });
});

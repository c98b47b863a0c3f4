// `dgm launch` under real Slurm (Debian's slurm-wlm and munge): a private one-node cluster started
// by this file (test/support/private-slurm.ts) runs `srun -n 3 dgm launch`, the example batch
// file examples/slurm/train.sbatch to completion, a job cancelled with scancel (final checkpoint),
// and a job warned with SIGUSR1 (what --signal=USR1@90 sends) that requeues itself and resumes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envWithDgm } from './support/dgm-on-path.js';
import { startPrivateSlurm, type PrivateSlurm } from './support/private-slurm.js';
import { runTool } from './support/run-tool.js';
import { writeFlatImages } from './support/test-images.js';

const SBATCH_FILE = fileURLToPath(new URL('../../../examples/slurm/train.sbatch', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dgm-cli-slurm-'));
const data = join(root, 'images.npy');
let slurm: PrivateSlurm;

beforeAll(async () => {
  writeFlatImages(data, 24, 8, 8, (i) => 7 + 10 * i);
  slurm = await startPrivateSlurm();
}, 60_000);

afterAll(async () => {
  const pids = slurm?.pids() ?? [];
  await slurm?.stop();
  rmSync(root, { recursive: true, force: true });
  // Nothing of the private cluster is left behind.
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
}, 60_000);

const TINY = ['--model', 'vae', '--dataset', `npy:${data}`, '--batch-size', '6'];

function env(): NodeJS.ProcessEnv {
  return envWithDgm({ SLURM_CONF: slurm.env.SLURM_CONF });
}

function tool(command: string, args: string[], timeoutMs = 100_000) {
  return runTool(command, args, { cwd: root, env: env(), timeoutMs });
}

async function waitFor(what: string, test: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

/** A job's state as squeue says ('' once it has left the queue). */
async function jobState(id: string): Promise<string> {
  return (await tool('squeue', ['-h', '-j', id, '-o', '%T'])).stdout.trim();
}

/** Submits the example batch file with training flags; resolves to the job id and its output file. */
async function submit(name: string, flags: string[]): Promise<{ id: string; output: string; run: string }> {
  const output = join(root, `${name}.out`);
  // The example asks for 2 nodes of 2 tasks; this cluster is one node, so one node of 2 tasks.
  const r = await tool('sbatch', ['--parsable', '--nodes=1', '--ntasks-per-node=2', `--chdir=${root}`, `--output=${output}`, `--job-name=${name}`, SBATCH_FILE, ...TINY, ...flags]);
  expect(r.code, r.stderr).toBe(0);
  const id = r.stdout.trim().split(';')[0];
  return { id, output, run: join(root, 'runs', `${name}-${id}`) };
}

function latest(run: string): string | null {
  const file = join(run, 'checkpoints/latest');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

describe('dgm launch under Slurm', () => {
  it('srun -n 3 dgm launch trains, rank 0 on the first host of the node list', async () => {
    const out = join(root, 'srun');
    const r = await tool('srun', ['-n', '3', 'dgm', 'launch', ...TINY, '--steps', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    for (const rank of [0, 1, 2]) expect(r.stderr).toMatch(new RegExp(`dgm launch under slurm: rank ${rank} of 3 \\(local rank ${rank}\\), coordinator at \\S+:\\d+ \\(port from 20000 \\+ SLURM_JOB_ID mod 20000\\); read SLURM_PROCID=${rank} SLURM_NTASKS=3`));
    expect(latest(out)).toBe('step-000003');
  });

  it('sbatch examples/slurm/train.sbatch runs to completion', async () => {
    const job = await submit('batch', ['--steps', '3']);
    await waitFor(`job ${job.id} did not finish`, async () => (await jobState(job.id)) === '', 100_000);
    expect(latest(job.run), readFileSync(job.output, 'utf8')).toBe('step-000003');
    expect(readFileSync(job.output, 'utf8')).toContain(`Checkpoint: ${job.run}/checkpoints/step-000003 (step 3)`);
  });

  it('scancel of a running job writes a final checkpoint', async () => {
    const job = await submit('cancel', ['--steps', '100000']);
    await waitFor('the job did not start training', () => existsSync(join(job.run, 'metrics.jsonl')) && readFileSync(join(job.run, 'metrics.jsonl'), 'utf8').includes('"step":2'), 100_000);
    expect((await tool('scancel', [job.id])).code).toBe(0);
    await waitFor(`job ${job.id} did not end`, async () => (await jobState(job.id)) === '', 60_000);
    const step = Number(/step-(\d+)/.exec(latest(job.run) ?? '')?.[1]);
    expect(step).toBeGreaterThanOrEqual(2);
    expect(readFileSync(job.output, 'utf8')).toContain(`Interrupted at step ${step}; checkpoint ${job.run}/checkpoints/step-${String(step).padStart(6, '0')}`);
  });

  it('SIGUSR1 (--signal=USR1@90) checkpoints and requeues the job, which resumes by itself', async () => {
    const job = await submit('requeue', ['--steps', '20']);
    await waitFor('the job did not start training', () => existsSync(join(job.run, 'metrics.jsonl')) && readFileSync(join(job.run, 'metrics.jsonl'), 'utf8').includes('"step":2'), 100_000);
    // What Slurm sends 90 s before the time limit; scancel --signal delivers it to the job's tasks the same way.
    expect((await tool('scancel', ['--signal=USR1', job.id])).code).toBe(0);
    await waitFor('the job did not finish after its requeue', async () => (await jobState(job.id)) === '' && latest(job.run) === 'step-000020', 150_000);
    const output = readFileSync(job.output, 'utf8');
    expect(output).toContain(`dgm job ${job.id}: start 1 on`);
    const stopped = Number(/Interrupted at step (\d+);/.exec(output)?.[1]);
    expect(stopped).toBeGreaterThanOrEqual(2);
    expect(stopped).toBeLessThan(20);
    expect(output).toContain(`Requeued Slurm job ${job.id}: it continues from ${job.run}/checkpoints/step-${String(stopped).padStart(6, '0')} with --resume auto.`);
    expect(output).toContain(`Resuming ${job.run} at step ${stopped} of 20`);
  });
});

// Slurm's warning before a job's time limit (sbatch --signal=USR1@90) under --requeue: once the
// final checkpoint is written, rank 0 puts the job back in the queue (`scontrol requeue`), and
// the requeued job's `dgm launch --resume auto` continues from that checkpoint.
import { execFile } from 'node:child_process';
import type { Reporter } from '../progress/reporter.js';

export async function requeueSlurmJob(env: NodeJS.ProcessEnv, checkpointDir: string | null, reporter: Reporter): Promise<void> {
  const job = env.SLURM_JOB_ID;
  if (!job) return;
  if (checkpointDir === null) {
    reporter.error(`Slurm job ${job} is not requeued: no final checkpoint was written to resume from.`);
    return;
  }
  await new Promise<void>((resolve) => {
    execFile('scontrol', ['requeue', job], { env, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reporter.error(`scontrol requeue ${job} failed (${String(stderr).trim() || error.message}); was the job submitted with --requeue?`);
      else reporter.warn(`Requeued Slurm job ${job}: it continues from ${checkpointDir} with --resume auto.`);
      resolve();
    });
  });
}

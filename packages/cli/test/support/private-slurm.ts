// A private Slurm cluster of this one machine, for the tests only: its own munged (own key and
// socket), slurmctld and slurmd (own config, ports, state and spool directories in a temp dir),
// started by the test and stopped after it, so nothing runs outside the suite and nothing of the
// machine's own Slurm or munge setup is used or changed. Debian's slurm-wlm and munge packages
// provide the daemons (.ci/apt-packages).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { runTool } from './run-tool.js';

export interface PrivateSlurm {
  dir: string;
  /** The environment Slurm's commands (srun, sbatch, scancel, squeue) need: SLURM_CONF. */
  env: NodeJS.ProcessEnv;
  /** Pids of the daemons, to check that none is left. */
  pids(): number[];
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, test: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the private Slurm cluster: ${what} within ${timeoutMs} ms`);
}

function daemon(command: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  child.once('error', (e) => writeFileSync(log, `${command} could not start: ${e.message}\n`, { flag: 'a' }));
  return child;
}

/** Job ids start below this: dgm's port 20000 + id then stays below the ephemeral range (default 32768), with room for the jobs of a suite. */
function firstJobIdLimit(): number {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return low > 21_100 ? Math.min(15_000, low - 20_100) : 15_000;
}

/** Starts munged, slurmctld and slurmd for this host; resolves once the node is idle. */
export async function startPrivateSlurm(): Promise<PrivateSlurm> {
  const dir = mkdtempSync(join(tmpdir(), 'dgm-slurm-'));
  for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, d));
  chmodSync(join(dir, 'munge'), 0o700);
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge', 'socket');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  // More task slots than cores (config_overrides): the tests run 3 small tasks on 2 cores.
  const slots = Math.max(4, cpus().length);
  const host = hostname();
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=dgmtest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      // cred_expire also delays a requeued job's restart (120 s by default).
      `AuthInfo=socket=${socket},cred_expire=10`,
      'CredType=cred/munge',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'SlurmUser=root',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SchedulerType=sched/builtin',
      // Look at pending jobs (a requeued one waiting for its begin time) every 2 s, not 60.
      'SchedulerParameters=sched_interval=2',
      'JobCompType=jobcomp/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'JobRequeue=1',
      'SlurmdParameters=config_overrides',
      'KillWait=30',
      'MinJobAge=300',
      // Job ids (and so dgm's derived ports, 20000 + id mod 20000) differ from one suite to the
      // next, and those ports stay below the kernel's ephemeral range (see free-port.ts).
      `FirstJobId=${randomInt(1, firstJobIdLimit())}`,
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${slots} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const log = join(dir, 'log', 'start.log');
  const munged = daemon('munged', ['-F', '-f', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munge', 'pid')}`, `--log-file=${join(dir, 'munge', 'log')}`, `--seed-file=${join(dir, 'munge', 'seed')}`], env, log);
  const children: ChildProcess[] = [munged];
  const stop = async (): Promise<void> => {
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('munged did not open its socket', async () => (await runTool('munge', ['-n', `--socket=${socket}`], { cwd: dir, env }).catch(() => ({ code: 1 }))).code === 0, 15_000);
    children.push(daemon('slurmctld', ['-D', '-f', conf], env, log));
    children.push(daemon('slurmd', ['-D', '-f', conf], env, log));
    await until(
      'the node did not become idle',
      async () => {
        const r = await runTool('sinfo', ['-h', '-o', '%T'], { cwd: dir, env }).catch(() => ({ code: 1, stdout: '' }));
        return r.code === 0 && r.stdout.trim() === 'idle';
      },
      30_000,
    );
  } catch (error) {
    const logs = ['slurmctld.log', 'slurmd.log'].map((f) => {
      try {
        return readFileSync(join(dir, 'log', f), 'utf8').split('\n').slice(-5).join('\n');
      } catch {
        return '';
      }
    });
    await stop();
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }
  return { dir, env, pids: () => children.map((c) => c.pid ?? -1).filter((p) => p > 0 && alive(p)), stop };
}

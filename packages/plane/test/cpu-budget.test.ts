// The cores a rank may use, which decide whether it spins on the turn words: its cgroup's CPU
// quota read from the files the kernel writes (a real cgroup made here: the tests run as root),
// and the same reading on texts as a cgroup-v2 container and a v1 host show them.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cgroupCpuQuota, usableCores } from '../src/shared/cpu-budget.js';
import { turnSpinMs, TURN_SPIN_MS } from '../src/shared/turn-words.js';

const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/shared/cpu-budget.js', import.meta.url))).href;

/** The CPU controller's hierarchy on this machine: cgroup v1's cpu mount, else v2's (with cpu enabled for children). */
function cpuHierarchy(): { root: string; v2: boolean } {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  for (const line of mounts) {
    const [left, right] = line.split(' - ');
    const [type, , options] = (right ?? '').split(' ');
    if (type === 'cgroup' && (options ?? '').split(',').includes('cpu')) return { root: left!.split(' ')[4]!, v2: false };
  }
  for (const line of mounts) {
    const [left, right] = line.split(' - ');
    if ((right ?? '').startsWith('cgroup2 ')) {
      const root = left!.split(' ')[4]!;
      writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
      return { root, v2: true };
    }
  }
  throw new Error('this machine mounts no cgroup hierarchy with the cpu controller (the test needs root and cgroups)');
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made.reverse()) if (existsSync(dir)) rmdirSync(dir);
});

/** Makes cgroup `dir` with a quota of `cores` (null: none). */
function cgroup(dir: string, cores: number | null, v2: boolean): void {
  mkdirSync(dir);
  made.push(dir);
  if (v2) writeFileSync(join(dir, 'cpu.max'), cores === null ? 'max 100000' : `${Math.round(cores * 100000)} 100000`);
  else writeFileSync(join(dir, 'cpu.cfs_quota_us'), cores === null ? '-1' : String(Math.round(cores * 100000)));
}

/** usableCores() as a process placed in cgroup `dir` finds it (as JSON: a number printed bare is coloured under FORCE_COLOR, which nx sets). */
function coresInside(dir: string): number {
  const script = `echo $$ > ${join(dir, 'cgroup.procs')} && exec ${process.execPath} --input-type=module -e "const m = await import('${BUILT}'); console.log(JSON.stringify({ cores: m.usableCores() }))"`;
  const run = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  const said = `exit ${run.status ?? run.signal}, stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)}`;
  const line = run.stdout.split('\n').find((l) => l.startsWith('{"cores":'));
  expect(line, said).toBeDefined();
  const { cores } = JSON.parse(line!) as { cores: number };
  expect(Number.isFinite(cores), said).toBe(true);
  return cores;
}

describe('the cores a rank may use', () => {
  it("follow a real cgroup's CPU quota, its ancestors' too, and decide the spin", () => {
    const { root, v2 } = cpuHierarchy();
    const parent = join(root, `dgm-test-${process.pid}`);
    cgroup(parent, 1.5, v2);
    const unlimited = join(parent, 'unlimited');
    cgroup(unlimited, null, v2);
    const half = join(parent, 'half');
    cgroup(half, 0.5, v2);
    const cores = availableParallelism();
    expect(coresInside(unlimited)).toBe(Math.min(cores, 1.5)); // the parent's quota holds its children
    expect(coresInside(half)).toBe(Math.min(cores, 0.5));
    // Two ranks in a 1.5-core container do not spin (each would take quota from the other); outside, where each has a core, they do.
    expect(turnSpinMs(2, 1.5)).toBe(0);
    expect(turnSpinMs(2, cores)).toBe(cores >= 2 ? TURN_SPIN_MS : 0);
    // This process, in no quota's cgroup: its affinity alone.
    expect(usableCores()).toBe(cores);
  });

  it('read a cgroup-v2 container (a Kubernetes CPU limit of 1.5) and a v1 host', () => {
    const files = new Map<string, string>([
      ['/sys/fs/cgroup/cpu.max', '150000 100000\n'],
      ['/sys/fs/cgroup/pod/cpu.max', 'max 100000\n'],
    ]);
    const read = (path: string) => files.get(path) ?? null;
    // Under a cgroup namespace the container's own cgroup is its root, "/".
    const container = '1375 1370 0:29 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n';
    expect(cgroupCpuQuota('0::/\n', container, read)).toBe(1.5);
    expect(cgroupCpuQuota('0::/pod\n', container, read)).toBe(1.5); // the tighter of itself (none) and its parent
    expect(cgroupCpuQuota('0::/\n', container, () => 'max 100000')).toBeNull();
    // cgroup v1, the controller mounted with cpuacct, the process in /batch/job (no quota) under /batch (2.5 cores).
    const v1 = '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n';
    const v1files = new Map<string, string>([
      ['/sys/fs/cgroup/cpu,cpuacct/batch/job/cpu.cfs_quota_us', '-1\n'],
      ['/sys/fs/cgroup/cpu,cpuacct/batch/job/cpu.cfs_period_us', '100000\n'],
      ['/sys/fs/cgroup/cpu,cpuacct/batch/cpu.cfs_quota_us', '250000\n'],
      ['/sys/fs/cgroup/cpu,cpuacct/batch/cpu.cfs_period_us', '100000\n'],
      ['/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us', '-1\n'],
      ['/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us', '100000\n'],
    ]);
    expect(cgroupCpuQuota('4:memory:/batch/job\n3:cpu,cpuacct:/batch/job\n', v1, (p) => v1files.get(p) ?? null)).toBe(2.5);
    // Nothing readable (no /proc, another OS): no quota.
    expect(cgroupCpuQuota('', '', () => null)).toBeNull();
  });
});

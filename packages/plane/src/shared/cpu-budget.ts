// How many cores this process may use: the cores it may run on (os.availableParallelism follows
// CPU affinity, a cpuset) and its cgroup's CPU quota, which Node does not read. A container given
// "1.5 CPUs" (Docker's --cpus, a Kubernetes CPU limit) sees every core of its host but is
// throttled past its quota; a rank spinning for its peers' turn words there burns quota the
// computing ranks need (turn-words.ts decides from this whether to spin).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';

/** The cores this process may use: its CPU affinity, lowered to its cgroup's CPU quota (possibly fractional). */
export function usableCores(): number {
  const quota = cgroupCpuQuota(readOrNull('/proc/self/cgroup') ?? '', readOrNull('/proc/self/mountinfo') ?? '', readOrNull);
  return Math.min(availableParallelism(), quota ?? Infinity);
}

/**
 * The tightest CPU quota, in cores, over this process's cgroup and its ancestors (each limits its
 * descendants), in cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`); null
 * when none is set or none can be read. `procCgroup` and `mountinfo` are the texts of
 * /proc/self/cgroup and /proc/self/mountinfo; `read` reads a file or gives null.
 */
export function cgroupCpuQuota(procCgroup: string, mountinfo: string, read: (path: string) => string | null): number | null {
  let tightest: number | null = null;
  for (const { dir, limit } of quotaFiles(procCgroup, mountinfo)) {
    for (const d of selfAndAncestors(dir.path, dir.mount)) {
      const cores = limit(d, read);
      if (cores !== null && (tightest === null || cores < tightest)) tightest = cores;
    }
  }
  return tightest;
}

interface QuotaSource {
  /** This process's cgroup directory, and the mount point it lies under. */
  dir: { path: string; mount: string };
  /** The quota set in one directory, in cores, or null. */
  limit: (dir: string, read: (path: string) => string | null) => number | null;
}

/** Where this process's CPU quota files are, for each hierarchy that has a CPU controller. */
function quotaFiles(procCgroup: string, mountinfo: string): QuotaSource[] {
  const sources: QuotaSource[] = [];
  for (const line of procCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, controllers, path] = m;
    const v2 = controllers === '';
    if (!v2 && !controllers!.split(',').includes('cpu')) continue;
    const mount = mountOf(mountinfo, v2);
    if (!mount) continue;
    // The mount shows the hierarchy from its root (a container's own cgroup, under a cgroup
    // namespace "/"): the process's directory is its path below that root.
    const below = posix.relative(mount.root, path);
    if (below.startsWith('..')) continue;
    sources.push({ dir: { path: join(mount.point, below), mount: mount.point }, limit: v2 ? cpuMax : cfsQuota });
  }
  return sources;
}

/** The mount of the cgroup v2 hierarchy, or of the v1 hierarchy with the cpu controller. */
function mountOf(mountinfo: string, v2: boolean): { root: string; point: string } | null {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions] = right.split(' ');
    const matches = v2 ? fsType === 'cgroup2' : fsType === 'cgroup' && (superOptions ?? '').split(',').includes('cpu');
    if (matches && fields[3] && fields[4]) return { root: unescape(fields[3]), point: unescape(fields[4]) };
  }
  return null;
}

/** mountinfo escapes spaces and the like as octal (\040). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function* selfAndAncestors(dir: string, mount: string): Generator<string> {
  for (let d = dir; ; d = posix.dirname(d)) {
    yield d;
    if (d === mount || posix.dirname(d) === d || !d.startsWith(mount)) return;
  }
}

/** cgroup v2: "max 100000" (no quota) or "150000 100000" (1.5 cores). */
function cpuMax(dir: string, read: (path: string) => string | null): number | null {
  const text = read(join(dir, 'cpu.max'));
  const m = text === null ? null : /^(\d+|max)\s+(\d+)/.exec(text.trim());
  if (!m || m[1] === 'max') return null;
  return cores(Number(m[1]), Number(m[2]));
}

/** cgroup v1: a quota of -1 is none. */
function cfsQuota(dir: string, read: (path: string) => string | null): number | null {
  const quota = Number(read(join(dir, 'cpu.cfs_quota_us'))?.trim());
  const period = Number(read(join(dir, 'cpu.cfs_period_us'))?.trim());
  return cores(quota, period);
}

/** A quota in cores, or null unless both numbers are positive and finite (-1, garbage, a file half read). */
function cores(quota: number, period: number): number | null {
  const c = quota / period;
  return quota > 0 && period > 0 && Number.isFinite(c) ? c : null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

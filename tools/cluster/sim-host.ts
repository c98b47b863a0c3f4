// One host of a simulated cluster: a network namespace (its own interface and address), a
// mount namespace with its own tmpfs on /dev/shm (so shared-memory segments are per host, as on
// real machines), and a UTS namespace with its own hostname. The mount and UTS namespaces are kept
// alive by bind mounts on files in the cluster's state directory, so every process started on
// the host (nsenter into all three) sees the same /dev/shm and hostname, like processes on one
// machine do.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { sh, shQuiet } from './system-commands.js';

/** What the cluster records of a host (cluster.json), enough to reach it from another process. */
export interface SimHostRecord {
  index: number;
  /** The hostname its processes see (os.hostname()). */
  name: string;
  netns: string;
  /** Its IPv4 address on the cluster's bridge. */
  address: string;
  /** Its interface inside the namespace (what GLOO_SOCKET_IFNAME names). */
  iface: string;
  /** The other end of its link, on the bridge in the root namespace. */
  rootVeth: string;
  /** The bind-mounted namespace files that keep its /dev/shm and hostname. */
  mountNs: string;
  utsNs: string;
}

export class SimHost {
  constructor(readonly record: SimHostRecord) {}

  get name(): string { return this.record.name; }
  get address(): string { return this.record.address; }
  get iface(): string { return this.record.iface; }

  /** The command line that runs `file args` on this host, for spawn or a shell. */
  commandLine(file: string, args: readonly string[], cwd = process.cwd()): string[] {
    const r = this.record;
    return ['nsenter', `--net=/run/netns/${r.netns}`, `--mount=${r.mountNs}`, `--uts=${r.utsNs}`, `--wd=${cwd}`, '--', file, ...args];
  }

  /** Starts a process on this host (nsenter execs it: the child's pid is the program's own). */
  spawn(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const [cmd, ...rest] = this.commandLine(file, args, typeof options.cwd === 'string' ? options.cwd : undefined);
    return spawn(cmd!, rest, options);
  }

  /** Runs a short command on this host and returns its stdout. */
  run(file: string, ...args: string[]): string {
    const [cmd, ...rest] = this.commandLine(file, args);
    return sh(cmd!, ...rest);
  }

  /** Cuts the host off the network, as an unplugged cable does (both ends of its link down). */
  cutLink(): void {
    sh('ip', '-n', this.record.netns, 'link', 'set', this.record.iface, 'down');
    sh('ip', 'link', 'set', this.record.rootVeth, 'down');
  }

  /** Plugs it back in. */
  restoreLink(): void {
    sh('ip', 'link', 'set', this.record.rootVeth, 'up');
    sh('ip', '-n', this.record.netns, 'link', 'set', this.record.iface, 'up');
  }

  /** Pids of every process on this host. */
  pids(): number[] {
    const out = shQuiet('ip', 'netns', 'list') ? sh('ip', 'netns', 'pids', this.record.netns) : '';
    return out.split(/\s+/).filter(Boolean).map(Number);
  }

  /** Kills whatever still runs on the host, then removes it (namespaces, link, mounts). */
  remove(): void {
    const r = this.record;
    for (const pid of safePids(this)) shQuiet('kill', '-9', String(pid));
    shQuiet('ip', 'link', 'del', r.rootVeth);
    shQuiet('ip', 'netns', 'del', r.netns);
    for (const file of [r.mountNs, r.utsNs]) shQuiet('umount', file);
  }
}

function safePids(host: SimHost): number[] {
  try {
    return host.pids();
  } catch {
    return [];
  }
}

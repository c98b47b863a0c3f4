// A cluster of N "hosts" on this one machine, for tests and benchmarks of what crosses a network:
// each host has its own network namespace with one veth link into a shared bridge (the switch),
// its own address (10.77.0.<i+1>/24), its own /dev/shm and hostname (sim-host.ts), and, if asked,
// a link shaped to a rate with tc's tbf in both directions (netem is not in these kernels). The
// cluster is described by /run/dgm-cluster/<id>/cluster.json, so another process (the CLI's
// `exec`, a benchmark) can reach its hosts and `down` can remove it after a crash.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SimHost, type SimHostRecord } from './sim-host.js';
import { clusterUnavailable, sh, shQuiet } from './system-commands.js';
import { parseLinkRate, tbfArgs, type LinkRate } from './link-rate.js';

/** Where every simulated cluster keeps its state (a private bind mount, for the namespace files). */
export const CLUSTER_STATE_ROOT = '/run/dgm-cluster';
const SUBNET = '10.77.0';
const MAX_HOSTS = 32;
/**
 * What the hosts' network namespaces are named after (`<prefix><id>-h<i>`): the option, else
 * DGM_CLUSTER_NETNS_PREFIX, else `dgm-`; so that people (or sessions) sharing a machine can tell
 * whose namespaces they see, also when a benchmark makes the cluster for them.
 */
function netnsPrefix(asked: string | undefined): string {
  const fromEnv = asked === undefined && process.env.DGM_CLUSTER_NETNS_PREFIX !== undefined;
  const prefix = asked ?? process.env.DGM_CLUSTER_NETNS_PREFIX ?? 'dgm-';
  if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(prefix)) {
    throw new Error(`${fromEnv ? 'DGM_CLUSTER_NETNS_PREFIX' : 'namespace prefix'} '${prefix}' is not allowed: 1 to 16 lower-case letters, digits or '-', starting with a letter or digit`);
  }
  return prefix;
}

export interface ClusterOptions {
  hosts: number;
  /** Each host's link rate in both directions (tc's spelling, e.g. "1gbit"); unshaped if absent. */
  rate?: string;
  /** Short id (letters and digits, ≤ 6) that names the cluster's devices; random if absent. */
  id?: string;
  /** Size of each host's /dev/shm tmpfs; default 2g. */
  shmSize?: string;
  /** What the namespaces' names start with (default DGM_CLUSTER_NETNS_PREFIX, else `dgm-`). */
  netnsPrefix?: string;
}

interface ClusterRecord {
  id: string;
  rate: string | null;
  bridge: string;
  hosts: SimHostRecord[];
}

export class SimulatedCluster {
  private constructor(readonly record: ClusterRecord, readonly hosts: SimHost[]) {}

  get id(): string { return this.record.id; }

  /** Makes the cluster; on any failure, removes what was made and rethrows. */
  static up(options: ClusterOptions): SimulatedCluster {
    const why = clusterUnavailable();
    if (why) throw new Error(why);
    if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > MAX_HOSTS) {
      throw new Error(`a simulated cluster has 1 to ${MAX_HOSTS} hosts, not ${options.hosts}`);
    }
    const id = options.id ?? randomBytes(3).toString('hex');
    const prefix = netnsPrefix(options.netnsPrefix);
    if (!/^[a-z0-9]{1,6}$/.test(id)) throw new Error(`cluster id '${id}' is not allowed: 1 to 6 lower-case letters or digits`);
    const rate = options.rate === undefined ? null : parseLinkRate(options.rate);
    const dir = join(CLUSTER_STATE_ROOT, id);
    if (existsSync(dir)) throw new Error(`a simulated cluster '${id}' already exists (remove it with \`down --id ${id}\`)`);

    const record: ClusterRecord = { id, rate: rate?.text ?? null, bridge: `dgmb${id}`, hosts: [] };
    const cluster = new SimulatedCluster(record, []);
    try {
      preparePrivateStateDir(dir);
      sh('ip', 'link', 'add', record.bridge, 'type', 'bridge');
      sh('ip', 'link', 'set', record.bridge, 'up');
      for (let i = 0; i < options.hosts; i++) {
        const host = new SimHost(makeHost(id, prefix, i, dir, record.bridge, rate, options.shmSize ?? '2g'));
        record.hosts.push(host.record);
        cluster.hosts.push(host);
      }
      writeFileSync(join(dir, 'cluster.json'), JSON.stringify(record, null, 2));
      return cluster;
    } catch (e) {
      cluster.down();
      throw e;
    }
  }

  /** The cluster `up` made, from its state file (for another process). */
  static attach(id: string): SimulatedCluster {
    const file = join(CLUSTER_STATE_ROOT, id, 'cluster.json');
    if (!existsSync(file)) throw new Error(`no simulated cluster '${id}' (known: ${SimulatedCluster.ids().join(', ') || 'none'})`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as ClusterRecord;
    return new SimulatedCluster(record, record.hosts.map((h) => new SimHost(h)));
  }

  /** Ids of the clusters that have state on this machine. */
  static ids(): string[] {
    return existsSync(CLUSTER_STATE_ROOT) ? readdirSync(CLUSTER_STATE_ROOT).filter((n) => /^[a-z0-9]{1,6}$/.test(n)) : [];
  }

  /** Removes everything of the cluster: its processes, namespaces, links, mounts and state. */
  down(): void {
    for (const host of this.hosts) host.remove();
    shQuiet('ip', 'link', 'del', this.record.bridge);
    const dir = join(CLUSTER_STATE_ROOT, this.record.id);
    // Host files that never got a record (a failed up) are unmounted by name.
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (/\.(mnt|uts)$/.test(f)) shQuiet('umount', join(dir, f));
    shQuiet('umount', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** unshare --mount=FILE needs the file on a mount with private propagation: bind the dir on itself. */
function preparePrivateStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  sh('mount', '--bind', dir, dir);
  sh('mount', '--make-private', dir);
}

function makeHost(id: string, prefix: string, i: number, dir: string, bridge: string, rate: LinkRate | null, shmSize: string): SimHostRecord {
  const record: SimHostRecord = {
    index: i,
    name: `host${i}`,
    netns: `${prefix}${id}-h${i}`,
    address: `${SUBNET}.${i + 1}`,
    iface: 'eth0',
    rootVeth: `dgmv${id}h${i}`,
    mountNs: join(dir, `h${i}.mnt`),
    utsNs: join(dir, `h${i}.uts`),
  };
  const inner = `dgmi${id}h${i}`;
  sh('ip', 'netns', 'add', record.netns);
  sh('ip', 'link', 'add', record.rootVeth, 'type', 'veth', 'peer', 'name', inner);
  sh('ip', 'link', 'set', inner, 'netns', record.netns);
  sh('ip', '-n', record.netns, 'link', 'set', inner, 'name', record.iface);
  sh('ip', '-n', record.netns, 'addr', 'add', `${record.address}/24`, 'dev', record.iface);
  sh('ip', '-n', record.netns, 'link', 'set', 'lo', 'up');
  sh('ip', '-n', record.netns, 'link', 'set', record.iface, 'up');
  sh('ip', 'link', 'set', record.rootVeth, 'master', bridge);
  sh('ip', 'link', 'set', record.rootVeth, 'up');
  if (rate) {
    // Egress of both ends: what the host sends (inside) and what it receives (the bridge's side).
    sh('ip', 'netns', 'exec', record.netns, 'tc', ...tbfArgs(record.iface, rate));
    sh('tc', ...tbfArgs(record.rootVeth, rate));
  }
  for (const f of [record.mountNs, record.utsNs]) writeFileSync(f, '');
  // The host's own /dev/shm and hostname, kept by the namespace files after unshare's shell exits.
  sh('unshare', `--mount=${record.mountNs}`, `--uts=${record.utsNs}`, '--propagation', 'private', 'sh', '-c',
    `mount -t tmpfs -o mode=1777,size=${shmSize} tmpfs /dev/shm && hostname ${record.name}`);
  return record;
}

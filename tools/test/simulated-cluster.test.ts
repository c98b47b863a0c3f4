// The simulated cluster is what multi-host tests and benchmarks stand on, so it is tested as a
// cluster: hosts that see their own hostname and their own /dev/shm, links shaped where asked,
// a real dgm run across three hosts (coordinator on one, a worker on each of the others, which
// must pick the hierarchical plane since the workers span hosts; closed with one shared key pair,
// as every run off loopback is), a cut link that the run reports by host
// within its heartbeat timeout, and a teardown that leaves no namespace, link, mount or process.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCluster, CLUSTER_STATE_ROOT } from '../dist/cluster/simulated-cluster.js';
import { parseLinkRate, tbfBurstBytes } from '../dist/cluster/link-rate.js';

const DGM = fileURLToPath(new URL('../../packages/cli/bin/dgm.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/cluster/main.js', import.meta.url));

interface Ended { code: number | null; signal: string | null; out: string; err: string }

function started(child: ChildProcess): Promise<Ended> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => setTimeout(() => resolve({ code, signal, out, err }), 50)));
}

const TRAIN = ['--model', 'vae', '--batch-size', '16', '--backend', 'wasm', '--seed', '3'];

describe('simulated cluster', () => {
  let cluster: SimulatedCluster;
  let work: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    cluster = SimulatedCluster.up({ hosts: 3, rate: '1gbit', shmSize: '64m' });
    work = mkdtempSync(join(tmpdir(), 'dgm-cluster-'));
  });
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    const id = cluster?.id;
    cluster?.down();
    rmSync(work, { recursive: true, force: true });
    // Nothing of it is left: namespaces, links, state.
    if (id) {
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`dgm-${id}-`);
      expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toContain(`dgmb${id}`);
      expect(existsSync(join(CLUSTER_STATE_ROOT, id))).toBe(false);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`${CLUSTER_STATE_ROOT}/${id}`);
    }
  });

  it('names its namespaces with the prefix asked for, and refuses a bad prefix before making anything', () => {
    const named = SimulatedCluster.up({ hosts: 1, netnsPrefix: 'dgmtest-' });
    try {
      expect(named.hosts[0]!.record.netns).toBe(`dgmtest-${named.id}-h0`);
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).toContain(`dgmtest-${named.id}-h0`);
    } finally {
      named.down();
    }
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`dgmtest-${named.id}-`);
    const before = SimulatedCluster.ids();
    expect(() => SimulatedCluster.up({ hosts: 1, netnsPrefix: 'Bad_' })).toThrow("namespace prefix 'Bad_' is not allowed: 1 to 16 lower-case letters, digits or '-', starting with a letter or digit");
    expect(SimulatedCluster.ids()).toEqual(before);
  });

  it('gives every host its own hostname, address and /dev/shm', () => {
    expect(cluster.hosts.map((h) => h.run('hostname').trim())).toEqual(['host0', 'host1', 'host2']);
    expect(cluster.hosts[1]!.run('ip', '-4', '-o', 'addr', 'show', 'eth0')).toContain('10.77.0.2/24');
    const marker = `dgm-cluster-test-${process.pid}`;
    cluster.hosts[0]!.run('touch', `/dev/shm/${marker}`);
    expect(cluster.hosts[0]!.run('ls', '/dev/shm')).toContain(marker);
    expect(cluster.hosts[1]!.run('ls', '/dev/shm')).not.toContain(marker);
    expect(readdirSync('/dev/shm')).not.toContain(marker);
  });

  it('shapes both directions of every link with tbf at the rate asked', () => {
    const rate = parseLinkRate('1gbit');
    const inside = cluster.hosts[2]!.run('tc', 'qdisc', 'show', 'dev', 'eth0');
    const outside = execFileSync('tc', ['qdisc', 'show', 'dev', cluster.hosts[2]!.record.rootVeth], { encoding: 'utf8' });
    for (const shown of [inside, outside]) expect(shown).toMatch(/tbf .*rate 1Gbit/);
    expect(tbfBurstBytes(rate)).toBe(1_250_000);
    expect(() => parseLinkRate('1gbps')).toThrow(/kbit, mbit or gbit/);
  });

  it('runs dgm across hosts: the hierarchical plane between them, and a cut link named by host within the heartbeat timeout', async () => {
    const [h0, h1, h2] = cluster.hosts as [typeof cluster.hosts[0], typeof cluster.hosts[0], typeof cluster.hosts[0]];
    // Off loopback a run is closed: one shared cluster key pair, the simple setup of the README.
    const keys = join(work, 'keys');
    execFileSync(process.execPath, [DGM, 'keys', 'new', '--out', keys]);
    const coordinatorArgs = (out: string, steps: string) => [DGM, 'coordinator', '--json', '--bind', `tcp://${h0.address}:5555`,
      '--key', join(keys, 'secret.key'), '--allow', join(keys, 'public.key'),
      '--workers', '2', '--steps', steps, '--out', join(work, out), '--heartbeat-ms', '500', '--timeout-ms', '5000', ...TRAIN];
    const worker = (h: typeof h0) => h.spawn(process.execPath, [DGM, 'worker', '--connect', `tcp://${h0.address}:5555`, '--backend', 'wasm',
      '--key', join(keys, 'secret.key'), '--server-key', join(keys, 'public.key'),
      '--heartbeat-ms', '500', '--timeout-ms', '5000'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CUDA_VISIBLE_DEVICES: '-1' } });

    // A whole run: 2 workers on 2 hosts (a plain ring between them), the coordinator on a third.
    const c = h0.spawn(process.execPath, coordinatorArgs('whole', '4'), { stdio: ['ignore', 'pipe', 'pipe'] });
    const w = [worker(h1), worker(h2)];
    children.push(c, ...w);
    const [ended, ...workers] = await Promise.all([started(c), ...w.map(started)]);
    expect(ended.code, ended.err + workers.map((w) => w.err).join("\n")).toBe(0);
    for (const e of workers) expect(e.code, e.err).toBe(0);
    const events = ended.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; hosts?: unknown });
    expect(events.filter((e) => e.event === 'step')).toHaveLength(4);
    const log = readFileSync(join(work, 'whole', 'logs', 'coordinator.log'), 'utf8');
    expect(log).toContain('"message":"data plane: hierarchical"');
    expect(log).toContain('host1');
    expect(log).toContain('host2');

    // A run whose worker host loses its link mid-run: a sentence naming the host, soon, and every
    // process ends (the cut worker too: it loses its coordinator).
    const c2 = h0.spawn(process.execPath, coordinatorArgs('cut', '100000'), { stdio: ['ignore', 'pipe', 'pipe'] });
    const w2 = [worker(h1), worker(h2)];
    children.push(c2, ...w2);
    const endings = [started(c2), ...w2.map(started)];
    const deadline = Date.now() + 120_000;
    let out = '';
    c2.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('"event":"step"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    h2.cutLink();
    const cutAt = Date.now();
    const [cut, ...cutWorkers] = await Promise.all(endings);
    const noticedMs = Date.now() - cutAt;
    h2.restoreLink();
    expect(cut.code).toBe(1);
    expect(cut.err + cut.out).toMatch(/host2/);
    // Heartbeat timeout 5 s (loose enough for a loaded 2-core machine), plus the coordinator's final checkpoint and exit: far below a hang.
    expect(noticedMs).toBeLessThan(20_000);
    for (const e of cutWorkers) expect(e.code).not.toBe(0);
    for (const h of cluster.hosts) expect(h.pids()).toEqual([]);
  }, 240_000);

  it('the command line: up, list, exec, down; a mistake is one sentence and exit code 2', () => {
    const cli = (...args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
      } catch (e) {
        const err = e as { status: number; stderr: string };
        return { code: err.status, out: err.stderr };
      }
    };
    const up = cli('up', '--hosts', '2', '--id', `t${process.pid % 99999}`);
    expect(up.code, up.out).toBe(0);
    const id = `t${process.pid % 99999}`;
    try {
      expect(cli('list').out).toContain(`${id}: host0 10.77.0.1, host1 10.77.0.2`);
      expect(cli('exec', '--id', id, 'host1', '--', 'hostname').out.trim()).toBe('host1');
      const bad = cli('up', '--hosts', '2', '--rate', 'fast');
      expect(bad.code).toBe(2);
      expect(bad.out).toMatch(/link rate 'fast' is not allowed/);
      expect(cli('exec', '--id', id, 'host9', '--', 'true').out).toMatch(/no host 'host9'/);
    } finally {
      expect(cli('down', '--id', id).code).toBe(0);
    }
    expect(cli('list').out).not.toContain(`${id}:`);
  });
});

// The coordinator side of the all-reduce benchmark, on the runtime's own code path: the
// WorkerRouter (ROUTER, validation) and the StepExchange a run steps with, on either data plane:
//   star-tcp / star-ipc  GRADS in, averaged once all are in, one REDUCED back to all;
//   shared               the peers reduce through their /dev/shm segments (SharedMemoryReducer)
//                        and tell each other when a stage is written (TURN, peer to peer), over ipc;
//   hierarchical         (between hosts: cluster-allreduce.ts) shared memory inside a host, rings of
//                        peers between hosts (RingReducer), the wire in fp32, bf16 or fp16.
// The peers are separate processes running the worker's CoordinatorLink and reducers. Per
// repetition one STEP to all; the repetition's time is the slowest peer's reduce() time (as a
// collective finishes when its last rank does).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StepExchange, WorkerRouter, type Member, type StepOutcome } from '@dgm/coordinator/bench';
import { PLANES, planeOfKind, type CoordinatorPlaneEnd, type WireChoice } from '@dgm/plane';
import type { Message } from '@dgm/protocol';
import { newCurveKeyPair, type CurveClientKeys } from '@dgm/protocol/security';
import { withAllocatorTunables } from '@dgm/worker/device';
import { median } from './stats.js';

export interface AllReduceRow {
  impl: string;
  n: number;
  bytes: number;
  sec: number;
  algbw_GBs: number;
  busbw_GBs: number;
  /** Every timed call's seconds, in order (dgm's rows). */
  times?: number[];
}

/** The peer process's script (allreduce-peer.ts). */
export const PEER = fileURLToPath(new URL('./allreduce-peer.js', import.meta.url));

/** nccl-tests definitions: algbw = S / t, busbw = algbw · 2(n-1)/n for all-reduce. */
export function bandwidths(bytes: number, sec: number, n: number): { algbw_GBs: number; busbw_GBs: number } {
  const alg = bytes / sec / 1e9;
  return { algbw_GBs: alg, busbw_GBs: (alg * 2 * (n - 1)) / n };
}

/**
 * Where the all-reduce runs: the star over tcp or ipc, the star over tcp with CURVE (encrypted and
 * authenticated as a closed cluster runs), the shared-memory plane, or the hierarchical plane
 * (peers on several hosts: cluster-allreduce.ts).
 */
export type Plane = 'star-tcp' | 'star-ipc' | 'star-curve' | 'shared' | 'hierarchical';
/** The planes of one host (allreduce.ts's --plane). */
export const PLANE_NAMES: readonly Plane[] = ['star-tcp', 'star-ipc', 'star-curve', 'shared'];

/** The peers' plane argument (allreduce-peer.ts): the star's variants are one plane to a peer. */
const peerPlane = (plane: Plane) => (plane === 'shared' || plane === 'hierarchical' ? plane : 'star');

/** Where the coordinator side binds and how the peers start (this host's processes, or another host's). */
export interface PeerPlacement {
  /** The coordinator side's bind address; default ipc in a temporary directory (star-ipc, shared) or tcp on loopback. */
  bind?: string;
  /** How chunks travel between hosts on the hierarchical plane (default fp32). */
  wire?: WireChoice;
  /**
   * Warm-up by volume: each size gets at least ⌈warmupBytes / size⌉ untimed calls (and never
   * fewer than `warmup`). Between hosts the first tens of MB a process receives through ZeroMQ
   * land in fresh pages (its receive buffers are freed only when V8 collects them, the first time
   * after ~64 MB), which on this VM costs more than the transfer; see BENCHMARKS.md.
   */
  warmupBytes?: number;
  /**
   * Starts the n peers: `args` follow the peer script, `env` is theirs. Returns the processes this
   * side waits for and kills on failure ([] when the caller owns them). Default: local processes.
   */
  start?(args: string[], env: NodeJS.ProcessEnv, n: number): ChildProcess[];
}

/** The name a row carries: dgm-<plane>, with the wire for the hierarchical plane. */
export const implName = (plane: Plane, wire: WireChoice = 'fp32') => (plane === 'hierarchical' ? `dgm-hier-${wire}` : `dgm-${plane}`);

/** How a peer process gets its CURVE keys (the environment: a benchmark's throw-away keys). */
export const PEER_CURVE_ENV = 'DGM_BENCH_PEER_CURVE';
/** The environment variable that gives a peer its ring's transport on the hierarchical plane (tcp or zeromq; default tcp). */
export const PEER_RING_TRANSPORT_ENV = 'DGM_BENCH_RING_TRANSPORT';

/** The phase name a size's buffers travel under (one segment holds a region for every size). */
export const phaseOf = (bytes: number) => `s${bytes}`;

/**
 * Before each timed call the peers average a tiny buffer under this phase: a barrier, as
 * ddp_allreduce.py's dist.barrier() before each of gloo's calls. Without it a rank's time
 * would include waiting for the last rank's STEP to arrive (on two busy cores, up to
 * milliseconds), a cost of the bench's coordinator, not of the all-reduce.
 */
export const BARRIER_PHASE = 'barrier';
export const BARRIER_FLOATS = 4;

export async function runtimeAllReduce(n: number, sizes: number[], reps: number, warmup: number, plane: Plane, placement: PeerPlacement = {}): Promise<AllReduceRow[]> {
  const transport = plane === 'star-ipc' || plane === 'shared' ? 'ipc' : 'tcp';
  const keyPair = plane === 'star-curve' ? newCurveKeyPair() : null;
  const peerKeys: CurveClientKeys | null = keyPair ? { keyPair, serverKey: keyPair.publicKey } : null;
  // A folder only for an ipc:// socket: a run between hosts binds TCP, and its coordinator side,
  // killed when a peer fails, would leave the folder behind.
  const dir = !placement.bind && transport === 'ipc' ? mkdtempSync(join(tmpdir(), 'dgm-allreduce-')) : null;
  const run = 'allreduce-bench';
  const members: Member[] = [];
  let exchange: StepExchange | null = null;
  let planeEnd: CoordinatorPlaneEnd<Member> | null = null;
  let joined: () => void = () => undefined;
  // Connections the peers closed (their exits): a caller that owns the peers (another host's)
  // waits for these after STOP instead of exiting while STOP may still sit in ZeroMQ's queue.
  let disconnects = 0;
  let onDisconnect: () => void = () => undefined;
  const fail = (reason: string) => exchange?.abort(new Error(reason));
  const router = new WorkerRouter({ heartbeatMs: 500, timeoutMs: 60_000 }, 2 ** 30, {
    message(peer, m) {
      let member = members.find((x) => x.peer.key === peer.key);
      if (!member) {
        const hello = m.type === 'HELLO' ? m : null;
        const shm = hello && hello.shmId !== null && hello.shmPath !== null ? { id: hello.shmId, path: hello.shmPath } : null;
        const ring = hello?.ringAddress ? { address: hello.ringAddress, key: hello.ringKey ?? null } : null;
        member = { rank: members.length, peer, pid: hello?.pid ?? 0, host: hello?.host ?? 'localhost', backend: '', device: '', shm, ring, lastHeard: Date.now() };
        members.push(member);
        if (members.length === n) joined();
      }
      if (planeOfKind(m.type)) planeEnd?.onMessage(member, m);
      else if (m.type === 'DONE') exchange?.onDone(member, m);
    },
    invalid: (_peer, reason) => fail(`coordinator got an invalid message: ${reason}`),
    disconnect: () => {
      disconnects++;
      onDisconnect();
    },
    refused: (r) => fail(`coordinator refused a peer: ${r.reason}`),
  }, keyPair ? { keyPair, allow: [keyPair.publicKey] } : null);
  const address = await router.bind(placement.bind ?? (dir !== null ? `ipc://${join(dir, 'star.sock')}` : 'tcp://127.0.0.1:*'));
  const peerArgs = [address, sizes.join(','), peerPlane(plane)];
  // Each rank's allocator as a launched worker's (workerEnv).
  const tuned = withAllocatorTunables(process.env as Record<string, string>);
  const peerEnv = peerKeys ? { ...tuned, [PEER_CURVE_ENV]: JSON.stringify(peerKeys) } : tuned;
  const startLocal = () => Array.from({ length: n }, () => spawn(process.execPath, [PEER, ...peerArgs], { stdio: ['ignore', 'inherit', 'inherit'], env: peerEnv }));
  const peers = placement.start ? placement.start(peerArgs, peerEnv, n) : startLocal();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${members.length} of ${n} peers joined within 60 s`)), 60_000);
      joined = () => (clearTimeout(timer), resolve());
    });
    const send = (m: Member, msg: Message) => router.send(m.peer, msg);
    const definition = PLANES[peerPlane(plane)];
    const why = definition.unavailable(members);
    if (why !== null) throw new Error(why);
    const setup = definition.setup(run, members, { wire: placement.wire ?? 'fp32' });
    if (setup) await Promise.all(members.map((m) => send(m, setup)));
    const rows: AllReduceRow[] = [];
    const empty = Array.from({ length: n }, () => new Int32Array(0));
    let iteration = 0;
    for (const [k, bytes] of sizes.entries()) {
      const warm = Math.max(warmup, Math.ceil((placement.warmupBytes ?? 0) / bytes));
      const gradSizes = { [phaseOf(bytes)]: bytes / 4, [BARRIER_PHASE]: BARRIER_FLOATS };
      router.setLimits({ run, gradSizes });
      const dropped = (m: Member, reason: string) => fail(`rank ${m.rank}: ${reason}`);
      planeEnd = definition.coordinatorEnd<Member>({ run, gradSizes, members: () => members, send, lost: (m, what, error) => fail(`could not send ${what} to rank ${m.rank}: ${error.message}`), dropped });
      exchange = new StepExchange(run, () => members, send, 60_000, dropped, planeEnd);
      const times: number[] = [];
      for (let rep = 0; rep < warm + reps; rep++, iteration++) {
        // The epoch field names the size (the peers' buffer for it).
        const outcome: StepOutcome = await exchange.run(iteration, k, empty);
        if (rep >= warm) times.push(Math.max(...outcome.done.map((d) => d.reduceMs)) / 1000);
      }
      const sec = median(times);
      rows.push({ impl: implName(plane, placement.wire), n, bytes, sec, ...bandwidths(bytes, sec, n), times });
    }
    await Promise.all(members.map((m) => send(m, { type: 'STOP', run, reason: 'done', error: false })));
    await Promise.all(peers.map((p) => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve(null) : p.on('exit', resolve)))));
    if (peers.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        onDisconnect = () => disconnects >= n && (clearTimeout(timer), resolve());
        onDisconnect();
      });
    }
    return rows;
  } finally {
    for (const p of peers) if (p.exitCode === null) p.kill('SIGKILL');
    router.close(200);
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

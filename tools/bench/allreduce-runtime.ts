// The coordinator side of the all-reduce benchmark, on the runtime's own code path: the
// WorkerRouter (ROUTER, validation) and the StepExchange a run steps with, on either data plane:
//   star-tcp / star-ipc  GRADS in, averaged once all are in, one REDUCED back to all;
//   shared               the peers reduce through their /dev/shm segments (SharedMemoryReducer)
//                        and tell each other when a stage is written (TURN, peer to peer).
// The peers are separate processes running the worker's CoordinatorLink and reducers. Per
// repetition one STEP to all; the repetition's time is the slowest peer's reduce() time (as a
// collective finishes when its last rank does).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StepExchange, WorkerRouter, type Member, type StepOutcome } from '@dgm/coordinator/bench';
import { PLANES, planeOfKind, type CoordinatorPlaneEnd } from '@dgm/plane';
import type { Message } from '@dgm/protocol';
import { newCurveKeyPair, type CurveClientKeys } from '@dgm/protocol/security';
import { median } from './stats.js';

export interface AllReduceRow {
  impl: string;
  n: number;
  bytes: number;
  sec: number;
  algbw_GBs: number;
  busbw_GBs: number;
}

const PEER = fileURLToPath(new URL('./allreduce-peer.js', import.meta.url));

/** nccl-tests definitions: algbw = S / t, busbw = algbw · 2(n-1)/n for all-reduce. */
export function bandwidths(bytes: number, sec: number, n: number): { algbw_GBs: number; busbw_GBs: number } {
  const alg = bytes / sec / 1e9;
  return { algbw_GBs: alg, busbw_GBs: (alg * 2 * (n - 1)) / n };
}

/**
 * Where the all-reduce runs: the star over tcp or ipc, the star over tcp with CURVE (encrypted and
 * authenticated as a closed cluster runs), or the shared-memory plane.
 */
export type Plane = 'star-tcp' | 'star-ipc' | 'star-curve' | 'shared';
export const PLANE_NAMES: readonly Plane[] = ['star-tcp', 'star-ipc', 'star-curve', 'shared'];

/** How a peer process gets its CURVE keys (the environment: a benchmark's throw-away keys). */
export const PEER_CURVE_ENV = 'DGM_BENCH_PEER_CURVE';

/** The phase name a size's buffers travel under (one segment holds a region for every size). */
export const phaseOf = (bytes: number) => `s${bytes}`;

export async function runtimeAllReduce(n: number, sizes: number[], reps: number, warmup: number, plane: Plane): Promise<AllReduceRow[]> {
  const transport = plane === 'star-tcp' || plane === 'star-curve' ? 'tcp' : 'ipc';
  const keyPair = plane === 'star-curve' ? newCurveKeyPair() : null;
  const peerKeys: CurveClientKeys | null = keyPair ? { keyPair, serverKey: keyPair.publicKey } : null;
  const dir = mkdtempSync(join(tmpdir(), 'dgm-allreduce-'));
  const run = 'allreduce-bench';
  const members: Member[] = [];
  let exchange: StepExchange | null = null;
  let planeEnd: CoordinatorPlaneEnd<Member> | null = null;
  let joined: () => void = () => undefined;
  const fail = (reason: string) => exchange?.abort(new Error(reason));
  const router = new WorkerRouter({ heartbeatMs: 500, timeoutMs: 60_000 }, 2 ** 30, {
    message(peer, m) {
      let member = members.find((x) => x.peer.key === peer.key);
      if (!member) {
        const shm = m.type === 'HELLO' && m.shmId !== null && m.shmPath !== null ? { id: m.shmId, path: m.shmPath } : null;
        member = { rank: members.length, peer, pid: 0, host: 'localhost', backend: '', device: '', shm, lastHeard: Date.now() };
        members.push(member);
        if (members.length === n) joined();
      }
      if (planeOfKind(m.type)) planeEnd?.onMessage(member, m);
      else if (m.type === 'DONE') exchange?.onDone(member, m);
    },
    invalid: (_peer, reason) => fail(`coordinator got an invalid message: ${reason}`),
    disconnect: () => undefined,
    refused: (r) => fail(`coordinator refused a peer: ${r.reason}`),
  }, keyPair ? { keyPair, allow: [keyPair.publicKey] } : null);
  const address = await router.bind(transport === 'ipc' ? `ipc://${join(dir, 'star.sock')}` : 'tcp://127.0.0.1:*');
  const total = warmup + reps;
  const peers = Array.from({ length: n }, () =>
    spawn(process.execPath, [PEER, address, sizes.join(','), String(total), plane === 'shared' ? 'shared' : 'star'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: peerKeys ? { ...process.env, [PEER_CURVE_ENV]: JSON.stringify(peerKeys) } : process.env,
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${members.length} of ${n} peers joined within 60 s`)), 60_000);
      joined = () => (clearTimeout(timer), resolve());
    });
    const send = (m: Member, msg: Message) => router.send(m.peer, msg);
    const definition = PLANES[plane === 'shared' ? 'shared' : 'star'];
    const why = definition.unavailable(members);
    if (why !== null) throw new Error(why);
    const setup = definition.setup(run, members);
    if (setup) await Promise.all(members.map((m) => send(m, setup)));
    const rows: AllReduceRow[] = [];
    const empty = Array.from({ length: n }, () => new Int32Array(0));
    let iteration = 0;
    for (const bytes of sizes) {
      const gradSizes = { [phaseOf(bytes)]: bytes / 4 };
      router.setLimits({ run, gradSizes });
      const dropped = (m: Member, reason: string) => fail(`rank ${m.rank}: ${reason}`);
      planeEnd = definition.coordinatorEnd<Member>({ run, gradSizes, members: () => members, send, lost: (m, what, error) => fail(`could not send ${what} to rank ${m.rank}: ${error.message}`), dropped });
      exchange = new StepExchange(run, () => members, send, 60_000, dropped, planeEnd);
      const times: number[] = [];
      for (let rep = 0; rep < total; rep++, iteration++) {
        const outcome: StepOutcome = await exchange.run(iteration, 0, empty);
        if (rep >= warmup) times.push(Math.max(...outcome.done.map((d) => d.reduceMs)) / 1000);
      }
      const sec = median(times);
      rows.push({ impl: `dgm-${plane}`, n, bytes, sec, ...bandwidths(bytes, sec, n) });
    }
    await Promise.all(members.map((m) => send(m, { type: 'STOP', run, reason: 'done', error: false })));
    await Promise.all(peers.map((p) => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve(null) : p.on('exit', resolve)))));
    return rows;
  } finally {
    for (const p of peers) if (p.exitCode === null) p.kill('SIGKILL');
    router.close(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

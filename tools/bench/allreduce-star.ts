// The coordinator side of the all-reduce benchmark, on the runtime's own code path: the
// WorkerRouter (ROUTER, validation) and the StepExchange that averages GRADS chunks as they
// arrive and sends each averaged chunk back (REDUCED) to all; the peers are separate processes
// running the worker's CoordinatorLink and RemoteReducer. Per repetition one STEP to all; the
// repetition's time is the slowest peer's reduce() time (as a collective finishes when its
// last rank does).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StepExchange, WorkerRouter, type Member, type StepOutcome } from '@dgm/coordinator';
import type { Message } from '@dgm/protocol';
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

/** Runs the star all-reduce among `n` peer processes over `transport`; one row per size. */
export async function starAllReduce(n: number, sizes: number[], reps: number, warmup: number, transport: 'tcp' | 'ipc'): Promise<AllReduceRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dgm-allreduce-'));
  const run = 'allreduce-bench';
  const members: Member[] = [];
  let exchange: StepExchange | null = null;
  let joined: () => void = () => undefined;
  const fail = (reason: string) => exchange?.abort(new Error(reason));
  const router = new WorkerRouter({ heartbeatMs: 500, timeoutMs: 60_000 }, 2 ** 30, {
    message(peer, m) {
      let member = members.find((x) => x.peer.key === peer.key);
      if (!member) {
        member = { rank: members.length, peer, pid: 0, host: 'localhost', backend: '', device: '', lastHeard: Date.now() };
        members.push(member);
        if (members.length === n) joined();
      }
      if (m.type === 'GRADS') exchange?.onGrads(member, m);
      else if (m.type === 'DONE') exchange?.onDone(member, m);
    },
    invalid: (_peer, reason) => fail(`coordinator got an invalid message: ${reason}`),
    disconnect: () => undefined,
  });
  const address = await router.bind(transport === 'ipc' ? `ipc://${join(dir, 'star.sock')}` : 'tcp://127.0.0.1:*');
  const total = warmup + reps;
  const peers = Array.from({ length: n }, () => spawn(process.execPath, [PEER, address, sizes.join(','), String(total)], { stdio: ['ignore', 'inherit', 'inherit'] }));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${members.length} of ${n} peers joined within 60 s`)), 60_000);
      joined = () => (clearTimeout(timer), resolve());
    });
    const send = (m: Member, msg: Message) => router.send(m.peer, msg);
    const rows: AllReduceRow[] = [];
    const empty = Array.from({ length: n }, () => new Int32Array(0));
    let iteration = 0;
    for (const bytes of sizes) {
      router.setLimits({ run, gradSizes: { d: bytes / 4 } });
      exchange = new StepExchange(run, { d: bytes / 4 }, () => members, send, 60_000, (m, reason) => fail(`rank ${m.rank}: ${reason}`));
      const times: number[] = [];
      for (let rep = 0; rep < total; rep++, iteration++) {
        const outcome: StepOutcome = await exchange.run(iteration, 0, empty);
        if (rep >= warmup) times.push(Math.max(...outcome.done.map((d) => d.reduceMs)) / 1000);
      }
      const sec = median(times);
      rows.push({ impl: `dgm-star-${transport}`, n, bytes, sec, ...bandwidths(bytes, sec, n) });
    }
    await Promise.all(members.map((m) => send(m, { type: 'STOP', run, reason: 'done', error: false })));
    await Promise.all(peers.map((p) => new Promise((resolve) => (p.exitCode !== null ? resolve(null) : p.on('exit', resolve)))));
    return rows;
  } finally {
    for (const p of peers) if (p.exitCode === null) p.kill('SIGKILL');
    router.close(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

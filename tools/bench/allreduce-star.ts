// The coordinator side of the all-reduce benchmark: the star the runtime uses. N peer processes
// each send S bytes (GRADS); the coordinator sums them as they arrive into its preallocated
// buffer (GradientAverager, the runtime's own) and sends the one averaged buffer back (REDUCED).
// Per repetition: a go signal to all, then the time each peer saw from send to averaged receive;
// the repetition's time is the slowest peer's (as a collective finishes when its last rank does).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'zeromq';
import { GradientAverager } from '@dgm/coordinator';
import { decodeMessage, encodeMessage, routerOptions } from '@dgm/protocol';
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
  const router = new Router(routerOptions({ heartbeatMs: 500, timeoutMs: 60_000 }, 2 ** 30));
  await router.bind(transport === 'ipc' ? `ipc://${join(dir, 'star.sock')}` : 'tcp://127.0.0.1:*');
  const address = router.lastEndpoint!;
  const total = warmup + reps;
  const peers = Array.from({ length: n }, () => spawn(process.execPath, [PEER, address, sizes.join(','), String(total)], { stdio: ['ignore', 'inherit', 'inherit'] }));
  const run = 'allreduce-bench';
  try {
    const ids: Buffer[] = [];
    while (ids.length < n) {
      const [id, ...frames] = await router.receive();
      if (decodeMessage(frames).ok) ids.push(id);
    }
    const rows: AllReduceRow[] = [];
    let iteration = 0;
    for (const bytes of sizes) {
      const averager = new GradientAverager(bytes / 4);
      const limits = { gradSizes: { x: bytes / 4 } };
      const times: number[] = [];
      for (let rep = 0; rep < total; rep++, iteration++) {
        const go = encodeMessage({ type: 'HEARTBEAT', run });
        await Promise.all(ids.map((id) => router.send([id, ...go])));
        let done = 0;
        let slowest = 0;
        while (done < n) {
          const [id, ...frames] = await router.receive();
          const r = decodeMessage(frames, limits);
          if (!r.ok) throw new Error(`coordinator got an invalid message: ${r.reason}`);
          const m = r.message;
          if (m.type === 'GRADS') {
            // As the runtime's StepExchange does: sum on arrival, the last one fused with the scaling.
            const rank = ids.findIndex((x) => x.equals(id));
            if (averager.contributors.size + 1 < n) {
              averager.add(rank, m.grads, m.sampleCount);
            } else {
              const reduced = encodeMessage({ type: 'REDUCED', run, step: iteration, phase: 'x', grads: averager.addLast(rank, m.grads, m.sampleCount)!.grads });
              await Promise.all(ids.map((peer) => router.send([peer, ...reduced])));
            }
          } else if (m.type === 'DONE') {
            done++;
            slowest = Math.max(slowest, m.reduceMs);
          }
        }
        if (rep >= warmup) times.push(slowest / 1000);
      }
      const sec = median(times);
      rows.push({ impl: `dgm-star-${transport}`, n, bytes, sec, ...bandwidths(bytes, sec, n) });
    }
    const stop = encodeMessage({ type: 'STOP', run, reason: 'done', error: false });
    await Promise.all(ids.map((id) => router.send([id, ...stop])));
    await Promise.all(peers.map((p) => new Promise((resolve) => (p.exitCode !== null ? resolve(null) : p.on('exit', resolve)))));
    return rows;
  } finally {
    for (const p of peers) if (p.exitCode === null) p.kill('SIGKILL');
    router.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The coordinator's ROUTER on real sockets: a send tries in short attempts (SEND_ATTEMPT_MS) so
// that a closing connection is found gone at once, yet a full queue keeps the whole timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer } from 'zeromq';
import { decodeMessage, encodeMessage, HIGH_WATER_MARK, type Message } from '@dgm/protocol';
import { SEND_ATTEMPT_MS, WorkerRouter, type Peer } from '../src/worker-router.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A router and one Dealer that said HELLO-like junk so the router knows its routing id. */
async function pair(timeoutMs: number): Promise<{ router: WorkerRouter; dealer: Dealer; peer: Peer }> {
  let resolvePeer!: (p: Peer) => void;
  const known = new Promise<Peer>((r) => (resolvePeer = r));
  const router = new WorkerRouter({ heartbeatMs: 100, timeoutMs }, 1 << 20, {
    message: (peer) => resolvePeer(peer),
    invalid: (peer) => resolvePeer(peer),
    disconnect: () => undefined,
    refused: () => undefined,
  });
  open.push(router);
  const address = await router.bind('tcp://127.0.0.1:*');
  // The Dealer takes at most a few messages: its queue and the router's fill quickly.
  const dealer = new Dealer({ linger: 0, receiveHighWaterMark: 1 });
  open.push(dealer);
  dealer.connect(address);
  await dealer.send(encodeMessage({ type: 'HEARTBEAT', run: 'r' }));
  return { router, dealer, peer: await known };
}

/** A message large enough that a few of them fill the socket buffers between the two. */
const big = (i: number): Message => ({ type: 'GRADS', run: `m${i}`, step: i, phase: 'g', sampleCount: 1, grads: new Float32Array(256 * 1024) });

describe('the coordinator router', () => {
  it('keeps a full queue waiting its whole timeout in short attempts, and delivers everything in order once the peer reads', async () => {
    const { router, dealer, peer } = await pair(5000);
    const n = HIGH_WATER_MARK + 60;
    const settled: (string | null)[] = [];
    const sends = Array.from({ length: n }, (_, i) =>
      router.send(peer, big(i)).then(
        () => void settled.push(null),
        (e: Error) => void settled.push(e.message),
      ),
    );
    // Far longer than one attempt: the sends past the high-water marks are still waiting, none failed.
    await new Promise((r) => setTimeout(r, 20 * SEND_ATTEMPT_MS));
    expect(settled.length).toBeLessThan(n);
    expect(settled.every((s) => s === null)).toBe(true);
    const runs: string[] = [];
    while (runs.length < n) {
      const m = decodeMessage(await dealer.receive(), { gradSizes: { g: 256 * 1024 } });
      if (m.ok) runs.push(m.message.run);
    }
    await Promise.all(sends);
    expect(settled).toEqual(Array.from({ length: n }, () => null));
    expect(runs).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
  });

  it('removes the socket file of an ipc:// bind when it closes (libzmq leaves it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dgm-router-'));
    try {
      const file = join(dir, 'coordinator.sock');
      const router = new WorkerRouter({ heartbeatMs: 100, timeoutMs: 1000 }, 1 << 20, { message: () => undefined, invalid: () => undefined, disconnect: () => undefined, refused: () => undefined });
      await router.bind(`ipc://${file}`);
      expect(existsSync(file)).toBe(true);
      router.close();
      expect(existsSync(file)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a send that cannot leave once its timeout has passed, not at its first attempt', async () => {
    const { router, peer } = await pair(400);
    const started = Date.now();
    const failures = await Promise.all(
      Array.from({ length: HIGH_WATER_MARK + 60 }, (_, i) =>
        router.send(peer, big(i)).then(
          () => null,
          (e: NodeJS.ErrnoException) => ({ code: e.code, at: Date.now() - started }),
        ),
      ),
    );
    const first = failures.find((f) => f !== null);
    // Still full at the deadline (EAGAIN), or, under load, dropped a moment earlier by ZeroMQ's
    // own heartbeat (its PING waits behind the full queue too): either way, only after the timeout.
    expect(['EAGAIN', 'EHOSTUNREACH']).toContain(first?.code);
    expect(first!.at).toBeGreaterThanOrEqual(400 - 5);
  });
});

// The ring's plain-TCP link on real loopback sockets: two ranks whose listeners each take the
// other's connection. The bytes arrive in order and intact even when the sender runs far ahead
// of the reader (reading pauses when every receive buffer is taken, and resumes as they are given
// back); strangers never get into the ring; and every way a neighbour can fail is one error
// naming its rank and host within the time limit (at once for a broken protocol), never a hang.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RingPeer } from '../src/hierarchical/ring-link.js';
import { TcpRingLink } from '../src/hierarchical/tcp-ring-link.js';
import { TcpRingListener } from '../src/hierarchical/tcp-ring-listener.js';
import { encodeHello } from '../src/hierarchical/tcp-ring-wire.js';

const MAX = 4096;
const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((x) => x.close()));

async function listener(): Promise<TcpRingListener> {
  const l = await TcpRingListener.listen('127.0.0.1', 0);
  opened.push(l);
  return l;
}

const peer = (rank: number, l: TcpRingListener): RingPeer => ({ rank, host: `host${rank}`, address: l.address, key: null });

/** Ranks 0 and 1, each the other's predecessor and successor. */
async function pair(timeoutMs = 5_000) {
  const [l0, l1] = [await listener(), await listener()];
  const a = new TcpRingLink(l0, 'run', 0, peer(1, l1), peer(1, l1), MAX, timeoutMs);
  const b = new TcpRingLink(l1, 'run', 1, peer(0, l0), peer(0, l0), MAX, timeoutMs);
  opened.push(a, b);
  return { a, b, l0, l1 };
}

/** The bytes of chunk `c`: its length varies, every byte depends on the chunk and its place. */
function payload(c: number): Uint8Array {
  const n = c % 7 === 0 ? MAX : 1 + ((c * 389) % MAX);
  return Uint8Array.from({ length: n }, (_, i) => (c * 31 + i * 7) & 255);
}

/** Resolves once `socket` is closed by the other side. */
const closedBy = (s: ReturnType<typeof connect>) => new Promise<void>((resolve) => s.once('close', () => resolve()));

describe('the ring link over plain TCP', () => {
  it('delivers 200 chunks in order and intact while the sender runs far ahead, both ways; flushed() then resolves', async () => {
    const { a, b } = await pair();
    const N = 200; // far more than the link's receive buffers
    for (let c = 0; c < N; c++) {
      a.send([1, 0, 0, 0, c], payload(c), c + 1);
      b.send([1, 0, 1, 0, c], payload(N - c), 7);
    }
    await new Promise((r) => setTimeout(r, 100)); // let every buffer fill before reading one
    for (let c = 0; c < N; c++) {
      const [x, y] = await Promise.all([b.receive([1, 0, 0, 0, c]), a.receive([1, 0, 1, 0, c])]);
      expect(x.samples).toBe(c + 1);
      expect(Buffer.compare(x.payload, payload(c))).toBe(0);
      expect(y.samples).toBe(7);
      expect(Buffer.compare(y.payload, payload(N - c))).toBe(0);
      b.release(x);
      a.release(y);
    }
    await Promise.all([a.flushed(), b.flushed()]);
  });

  it('closes strangers: no HELLO, a wrong run, a wrong rank, bytes after the HELLO; the ring still works', async () => {
    const l = await listener();
    const other = await listener();
    const strangers = [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      encodeHello({ run: 'another-run', from: 1, to: 0 }),
      encodeHello({ run: 'run', from: 2, to: 0 }),
      Buffer.concat([encodeHello({ run: 'run', from: 1, to: 0 }), Buffer.from('x')]),
    ];
    const port = Number(l.address.split(':').pop());
    const sockets = strangers.map((bytes) => {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      s.write(bytes);
      return s;
    });
    const a = new TcpRingLink(l, 'run', 0, peer(1, other), peer(1, other), MAX, 5_000);
    const b = new TcpRingLink(other, 'run', 1, peer(0, l), peer(0, l), MAX, 5_000);
    opened.push(a, b);
    await Promise.all(sockets.map(closedBy));
    a.send([0, 0, 0, 0, 0], payload(3), 2);
    const got = await b.receive([0, 0, 0, 0, 0]);
    expect(Buffer.compare(got.payload, payload(3))).toBe(0);
    expect(l.refused).toBe(strangers.length);
    // Once the successor is in, the port is closed to everyone.
    const late = connect({ host: '127.0.0.1', port });
    const refused = await new Promise<string>((resolve) => late.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    expect(refused).toBe('ECONNREFUSED');
  });

  it('a chunk other than the one expected: the ring is out of step, an error naming the sender', async () => {
    const { a, b } = await pair();
    a.send([3, 0, 0, 1, 0], payload(1), 1);
    await expect(b.receive([3, 0, 0, 0, 0])).rejects.toThrow(/rank 0 on host host0 .*sent chunk \[3, 0, 0, 1, 0\] where \[3, 0, 0, 0, 0\] was next.*out of step/);
    await expect(b.receive([3, 0, 0, 1, 0])).rejects.toThrow(/out of step/); // and it stays failed
  });

  it('a frame larger than a chunk: an error naming the sender, nothing read past it', async () => {
    const { a, b } = await pair();
    a.send([0, 0, 0, 0, 0], new Uint8Array(MAX + 1), 1);
    await expect(b.receive([0, 0, 0, 0, 0])).rejects.toThrow(/rank 0 on host host0 .*a frame of 4097 bytes where at most 4096 are allowed/);
  });

  it('a neighbour that stops: what it sent is still delivered; then the waits run out their time and say it closed', async () => {
    const { a, b } = await pair(400);
    a.send([0, 0, 0, 0, 0], payload(1), 1);
    a.send([0, 0, 0, 0, 1], payload(2), 1);
    await a.flushed();
    a.close();
    await new Promise((r) => setTimeout(r, 50)); // b has seen the close
    const got = await b.receive([0, 0, 0, 0, 0]); // sent before the close: delivered
    expect(Buffer.compare(got.payload, payload(1))).toBe(0);
    b.release(got);
    b.release(await b.receive([0, 0, 0, 0, 1]));
    const t0 = performance.now();
    await expect(b.receive([0, 0, 0, 0, 2])).rejects.toThrow(/ring predecessor rank 0 on host host0 \(tcp:\/\/127\.0\.0\.1:\d+\): it closed its connection \(it stopped or left the run\), and no gradient chunk came within 400 ms \(step 0\)/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(350); // not at once: the coordinator speaks first
    b.send([0, 0, 0, 0, 0], payload(2), 1);
    await expect(b.flushed()).rejects.toThrow(/ring successor rank 0 on host host0 .*it closed its connection \(it stopped or left the run\) within 400 ms/);
  });

  it('a silent predecessor: the receive fails within the time limit, naming its host', async () => {
    const { b } = await pair(300);
    const t0 = performance.now();
    await expect(b.receive([5, 0, 0, 0, 0])).rejects.toThrow(/ring predecessor rank 0 on host host0 .*its link is down or it stopped: no gradient chunk came within 300 ms \(step 5\)/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('a successor that never connects: flushed() fails within the time limit, naming it', async () => {
    const l = await listener();
    const nobody = await listener(); // listens, but no link ever connects from it
    const a = new TcpRingLink(l, 'run', 0, peer(1, nobody), peer(1, nobody), MAX, 300);
    opened.push(a);
    a.send([0, 0, 0, 0, 0], payload(1), 1);
    await expect(a.flushed()).rejects.toThrow(/ring successor rank 1 on host host1 .*did not connect to this worker's ring socket within 300 ms/);
  });

  it('a predecessor nobody listens for: an error naming its host within the time limit', async () => {
    const l = await listener();
    const gone = await listener();
    gone.close(); // its port refuses from now on
    const b = new TcpRingLink(l, 'run', 1, peer(0, gone), peer(0, gone), MAX, 400);
    opened.push(b);
    await expect(b.receive([0, 0, 0, 0, 0])).rejects.toThrow(/ring predecessor rank 0 on host host0 .*(could not be reached|no gradient chunk)/);
  });
});

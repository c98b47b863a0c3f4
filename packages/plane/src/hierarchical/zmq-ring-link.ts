// One worker's place in its ring over ZeroMQ (hierarchical plane; CURVE when the run has keys):
// it receives from its predecessor on its own PULL socket and sends to its successor through a
// PUSH. Chunks follow a fixed schedule
// (RingReducer.ring), so each receive names exactly the chunk it expects;
// a frame that is not it (a stranger on an open run, a stale step) is dropped, and every wait is
// bounded: a silent predecessor is an error naming its host.
import { Push, type Pull } from 'zeromq';
import { BoundedWait } from '@dgm/protocol';
import { secureClient, type CurveKeyPair } from '@dgm/protocol/security';
import { RingLinkError, type Chunk, type ChunkKey, type RingLink, type RingPeer } from './ring-link.js';

/** The header frame: the chunk key's five int32 fields, then the sample count (int32, little-endian). */
const HEADER_BYTES = 24;

export class ZmqRingLink implements RingLink {
  private readonly push: Push;
  private readonly inbox: Uint8Array[][] = [];
  private waiting: { key: ChunkKey; wait: BoundedWait<Chunk> } | null = null;
  private sending: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;
  /** Frames dropped because they were not the chunk the schedule expected. */
  dropped = 0;

  constructor(
    private readonly pull: Pull,
    private readonly prev: RingPeer,
    private readonly next: RingPeer,
    keyPair: CurveKeyPair | null,
    private readonly timeoutMs: number,
  ) {
    this.push = new Push({ linger: 0, sendHighWaterMark: 1000, sendTimeout: timeoutMs, heartbeatInterval: Math.max(100, Math.floor(timeoutMs / 4)), heartbeatTimeout: timeoutMs, heartbeatTimeToLive: timeoutMs, reconnectInterval: 100 });
    if (keyPair && next.key) secureClient(this.push, { keyPair, serverKey: next.key });
    this.push.connect(next.address);
    void this.receiveLoop();
  }

  private async receiveLoop(): Promise<void> {
    while (!this.closed) {
      let frames: Uint8Array[];
      try {
        frames = await this.pull.receive();
      } catch (error) {
        // zeromq.js can end a pending receive with EAGAIN while the socket is open (seen when
        // the process was busy): nothing was lost, receive again. Anything else ends the link.
        if (this.closed) return;
        if ((error as { code?: string }).code === 'EAGAIN') continue;
        this.fail(new RingLinkError(`the ring socket stopped receiving: ${(error as Error).message}`));
        return;
      }
      this.inbox.push(frames);
      this.match();
    }
  }

  /** Sends leave one at a time; ZeroMQ reads `payload` after send() returns (zero-copy). */
  send(key: ChunkKey, payload: Uint8Array, samples: number): void {
    if (this.failure) return;
    const header = new Int32Array(6);
    header.set(key);
    header[5] = samples;
    this.sending = this.sending.then(async () => {
      if (this.failure || this.closed) return;
      try {
        await this.push.send([new Uint8Array(header.buffer), payload]);
      } catch (error) {
        this.fail(new RingLinkError(`could not send a gradient chunk to rank ${this.next.rank} on host ${this.next.host} (${this.next.address}) within ${this.timeoutMs} ms: ${(error as Error).message}; is its link down or did it stop?`));
      }
    });
  }

  /** Chunk `key` from the predecessor; rejects after the time limit naming its host. */
  receive(key: ChunkKey): Promise<Chunk> {
    if (this.failure) return Promise.reject(this.failure);
    // The usual case on a busy ring: the chunk is in already (no timer to set and clear).
    while (this.inbox.length > 0) {
      const frames = this.inbox.shift()!;
      const chunk = this.chunkOf(frames, key);
      if (chunk) return Promise.resolve(chunk);
      this.dropped++;
    }
    const wait = new BoundedWait<Chunk>(this.timeoutMs, () => {
      this.waiting = null;
      return new RingLinkError(
        `no gradient chunk from rank ${this.prev.rank} on host ${this.prev.host} (${this.prev.address}) within ${this.timeoutMs} ms (step ${key[0]}): its link is down or it stopped.`,
      );
    });
    this.waiting = { key, wait };
    return wait.promise;
  }

  /** The chunk `frames` hold if they are `key`'s, else null. */
  private chunkOf(frames: Uint8Array[], key: ChunkKey): Chunk | null {
    if (frames.length !== 2 || frames[0]!.byteLength !== HEADER_BYTES) return null;
    const h = frames[0]!;
    const view = new DataView(h.buffer, h.byteOffset, HEADER_BYTES);
    for (let i = 0; i < 5; i++) if (view.getInt32(i * 4, true) !== key[i]) return null;
    return { payload: frames[1]!, samples: view.getInt32(20, true) };
  }

  /** A received frame is ZeroMQ's own buffer: nothing to give back. */
  release(_chunk: Chunk): void {}

  /** Every send is in ZeroMQ's queue (or the link failed). */
  flushed(): Promise<void> {
    return this.sending.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  private match(): void {
    while (this.waiting && this.inbox.length > 0) {
      const frames = this.inbox.shift()!;
      const chunk = this.chunkOf(frames, this.waiting.key);
      if (!chunk) {
        this.dropped++;
        continue;
      }
      const { wait } = this.waiting;
      this.waiting = null;
      wait.resolve(chunk);
    }
  }

  /** Rejects the waiting receive and every later one with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = null;
    w?.wait.reject(error);
  }

  get failed(): Error | null {
    return this.failure;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new RingLinkError('the ring was closed'));
    this.push.close();
    this.pull.close();
  }
}

// One worker's place in its ring over plain TCP (hierarchical plane, keyless runs): it connects
// to its predecessor's ring listener and receives from it, and sends to its successor down the
// connection the successor made to this worker's listener (tcp-ring-listener.ts; the bytes in
// tcp-ring-wire.ts). Why not ZeroMQ here: libzmq allocates a fresh buffer for every message it
// receives and the runtime copies it again into WebAssembly memory; this link reads each chunk
// straight into one of a few reused buffers (Node's `onread`, which only a connecting socket
// takes: hence the receiver connects), and sends from the caller's memory without a copy. The
// receive-path bench measured 1.05 against 0.23 CPU seconds per GiB received.
//
// The schedule is fixed and one connection carries it in order, so every frame must be exactly
// the chunk the reducer asks for next: anything else is the ring out of step, an error. Every
// wait is bounded. A neighbour's connection that closes is not an error by itself: the waits
// run out their time limit (the heartbeat timeout, twice over) and then say it closed. By then
// the coordinator has noticed a neighbour that died and either stopped the run naming its host
// or, in an elastic run, broken the step off to go on without it (an error here first would end
// the elastic run); chunks that arrived before the close are still delivered.
import { connect, type Socket } from 'node:net';
import { BoundedWait } from '@dgm/protocol';
import { RingLinkError, type Chunk, type ChunkKey, type RingLink, type RingPeer } from './ring-link.js';
import type { TcpRingListener } from './tcp-ring-listener.js';
import { encodeFrameHeader, encodeHello, FRAME_HEADER_BYTES } from './tcp-ring-wire.js';

/** Receive buffers per link: how far the predecessor may run ahead of the reducer before TCP holds it back. */
const SLOTS = 16;
/** Pause between attempts to reach a predecessor whose listener refused (it may still be starting). */
const RETRY_MS = 100;

interface Received extends Chunk {
  key: number[];
}

export class TcpRingLink implements RingLink {
  // ---- receiving (a connection to the predecessor) ----
  private incoming: Socket | null = null;
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  /** Bytes of the current frame's header, then of its payload, read so far. */
  private filled = 0;
  /** The current frame once its header is in: its payload's buffer and length. */
  private frame: { key: number[]; samples: number; slot: Uint8Array; bytes: number } | null = null;
  private readonly free: Uint8Array[] = [];
  private allocated = 0;
  private paused = false;
  private readonly inbox: Received[] = [];
  private waiting: { key: ChunkKey; wait: BoundedWait<Chunk> } | null = null;
  // ---- sending (the successor's connection to this worker) ----
  private outgoing: Socket | null = null;
  /** Frames queued before the successor connected. */
  private readonly queued: [Uint8Array, Uint8Array][] = [];
  /** Frames not yet handed to the kernel. */
  private unsent = 0;
  private readonly flushWaits: BoundedWait<void>[] = [];
  private failure: Error | null = null;
  private closed = false;
  /** Why the predecessor's / successor's connection ended, once it has (the waits then run out). */
  private lostIncoming: string | null = null;
  private lostOutgoing: string | null = null;

  constructor(
    listener: TcpRingListener,
    private readonly run: string,
    private readonly rank: number,
    private readonly prev: RingPeer,
    private readonly next: RingPeer,
    /** Largest payload a frame may carry (a chunk's bytes). */
    private readonly maxPayload: number,
    private readonly timeoutMs: number,
  ) {
    const m = /^tcp:\/\/(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(prev.address);
    if (!m) throw new RingLinkError(`rank ${prev.rank}'s ring address '${prev.address}' is not tcp://IPv4:PORT`);
    this.reach(m[1]!, Number(m[2]), Date.now() + timeoutMs);
    listener
      .successor({ run, from: next.rank, to: rank }, timeoutMs, () => this.sendError(`rank ${next.rank} on host ${next.host} did not connect to this worker's ring socket`))
      .then((socket) => this.attach(socket))
      .catch((error: Error) => this.fail(error));
  }

  // ---- receiving ----

  /** Connects to the predecessor (again every RETRY_MS while it cannot, until `deadline`) and says HELLO. */
  private reach(host: string, port: number, deadline: number): void {
    if (this.closed || this.failure) return;
    let connected = false;
    const socket = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: () => this.nextBuffer(), callback: (n: number) => this.onBytes(n) },
    });
    this.incoming = socket;
    socket.once('connect', () => {
      connected = true;
      socket.write(encodeHello({ run: this.run, from: this.rank, to: this.prev.rank }));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) {
        this.lostIncoming ??= `its connection failed (${error.message})`;
      } else if (Date.now() + RETRY_MS < deadline) {
        setTimeout(() => this.reach(host, port, deadline), RETRY_MS);
      } else {
        this.fail(this.receiveError(`it could not be reached within ${this.timeoutMs} ms (${error.message})`));
      }
    });
    socket.once('close', () => {
      if (connected) this.lostIncoming ??= 'it closed its connection (it stopped or left the run)';
    });
  }

  /** Where the next bytes read belong: the rest of the header, or the rest of the payload. */
  private nextBuffer(): Uint8Array {
    return this.frame ? this.frame.slot.subarray(this.filled, this.frame.bytes) : this.header.subarray(this.filled);
  }

  /** `n` more bytes landed where nextBuffer() said; false pauses reading (every buffer is taken). */
  private onBytes(n: number): boolean {
    this.filled += n;
    if (!this.frame) {
      if (this.filled < FRAME_HEADER_BYTES) return true;
      const v = this.headerView;
      const key = [0, 1, 2, 3, 4].map((i) => v.getInt32(i * 4, true));
      const samples = v.getInt32(20, true);
      const bytes = v.getInt32(24, true);
      if (bytes < 0 || bytes > this.maxPayload) {
        this.fail(this.receiveError(`it sent a frame of ${bytes} bytes where at most ${this.maxPayload} are allowed`));
        return false;
      }
      // A free buffer is there: reading stops after a frame whenever none is left (below).
      const slot = bytes === 0 ? new Uint8Array(0) : (this.free.pop() ?? this.allocate());
      this.frame = { key, samples, slot, bytes };
      this.filled = 0;
      if (bytes > 0) return true;
    } else if (this.filled < this.frame.bytes) return true;
    const { key, samples, slot, bytes } = this.frame;
    this.frame = null;
    this.filled = 0;
    this.inbox.push({ key, samples, payload: slot.subarray(0, bytes) });
    this.match();
    if (this.free.length === 0 && this.allocated === SLOTS) {
      this.paused = true;
      return false;
    }
    return true;
  }

  private allocate(): Uint8Array {
    this.allocated++;
    return new Uint8Array(this.maxPayload);
  }

  receive(key: ChunkKey): Promise<Chunk> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.inbox.length > 0) {
      const chunk = this.take(key);
      return chunk ? Promise.resolve(chunk) : Promise.reject(this.failure!);
    }
    const wait = new BoundedWait<Chunk>(this.timeoutMs, () => {
      this.waiting = null;
      const why = this.lostIncoming ? `${this.lostIncoming}, and` : 'its link is down or it stopped:';
      return this.receiveError(`${why} no gradient chunk came within ${this.timeoutMs} ms (step ${key[0]})`);
    });
    this.waiting = { key, wait };
    return wait.promise;
  }

  /** The inbox's first chunk if it is `key`'s; else the link fails (null). */
  private take(key: ChunkKey): Chunk | null {
    const chunk = this.inbox.shift()!;
    if (chunk.key.every((x, i) => x === key[i])) return chunk;
    this.fail(this.receiveError(`it sent chunk [${chunk.key.join(', ')}] where [${key.join(', ')}] was next (step, phase, stage, hop, chunk): the ring is out of step`));
    return null;
  }

  private match(): void {
    if (!this.waiting || this.inbox.length === 0) return;
    const { key, wait } = this.waiting;
    this.waiting = null;
    const chunk = this.take(key);
    if (chunk) wait.resolve(chunk);
    else wait.reject(this.failure!);
  }

  release(chunk: Chunk): void {
    const slot = chunk.payload;
    if (slot.byteLength === 0 || this.closed) return;
    this.free.push(new Uint8Array(slot.buffer, 0, this.maxPayload));
    if (this.paused) {
      this.paused = false;
      this.incoming?.resume();
    }
  }

  private receiveError(what: string): RingLinkError {
    const p = this.prev;
    return new RingLinkError(`ring predecessor rank ${p.rank} on host ${p.host} (${p.address}): ${what}.`);
  }

  // ---- sending ----

  private attach(socket: Socket): void {
    if (this.closed || this.failure) {
      socket.destroy();
      return;
    }
    this.outgoing = socket;
    socket.setNoDelay(true);
    // The successor only receives on this connection: bytes from it are a broken peer.
    socket.on('data', () => this.fail(this.sendErrorNow('it sent bytes on a connection it only receives on')));
    socket.on('error', (error) => (this.lostOutgoing ??= `its connection failed (${error.message})`));
    socket.once('close', () => (this.lostOutgoing ??= 'it closed its connection (it stopped or left the run)'));
    socket.resume();
    socket.cork();
    for (const [header, payload] of this.queued.splice(0)) this.write(header, payload);
    socket.uncork();
  }

  send(key: ChunkKey, payload: Uint8Array, samples: number): void {
    if (this.failure) return;
    const header = encodeFrameHeader(key, samples, payload.byteLength);
    this.unsent++;
    if (this.lostOutgoing) return; // it cannot leave: flushed() runs out its time and says why
    if (!this.outgoing) {
      this.queued.push([header, payload]);
      return;
    }
    // Two writes, not cork/uncork into one writev: Node's writev path cost the sender twice the
    // user CPU per chunk on the receive-path bench (BENCHMARKS, "The ring over plain TCP").
    this.write(header, payload);
  }

  private write(header: Uint8Array, payload: Uint8Array): void {
    const socket = this.outgoing!;
    socket.write(header);
    socket.write(payload, (error) => {
      if (error) return; // 'error' on the socket says it
      if (--this.unsent === 0) for (const w of this.flushWaits.splice(0)) w.resolve();
    });
  }

  flushed(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.unsent === 0) return Promise.resolve();
    const wait = new BoundedWait<void>(this.timeoutMs, () => {
      this.flushWaits.splice(this.flushWaits.indexOf(wait), 1);
      return this.sendError(this.lostOutgoing ?? 'its link is down or it stopped');
    });
    this.flushWaits.push(wait);
    return wait.promise;
  }

  /** An error about sending to the successor, for when the time limit passes. */
  private sendError(what: string): RingLinkError {
    return this.sendErrorNow(`${what} within ${this.timeoutMs} ms`);
  }

  private sendErrorNow(what: string): RingLinkError {
    const n = this.next;
    return new RingLinkError(`could not send gradient chunks to ring successor rank ${n.rank} on host ${n.host} (${n.address}): ${what}.`);
  }

  // ---- both ----

  fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = null;
    w?.wait.reject(this.failure);
    for (const f of this.flushWaits.splice(0)) f.reject(this.failure);
  }

  get failed(): Error | null {
    return this.failure;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new RingLinkError('the ring was closed'));
    this.incoming?.destroy();
    this.outgoing?.destroy();
  }
}

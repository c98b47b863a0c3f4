// The shared-memory plane's stage turns, decided between the workers themselves: each says TURN
// ("my part of this stage is in my segment", with its sample count) straight to every peer, and
// reads the stage once it holds every rank's TURN. The coordinator relayed these turns before
// (WRITTEN in, PROCEED out: two hops through a third process per stage); now a stage costs one
// hop, and the coordinator is off the path of every phase.
//
// Wire: each worker listens on a Unix socket next to its segment (`dgm-<pid>-<hex>.turn` in
// /dev/shm, 0600: the trust boundary of the segments themselves, which any process that could
// reach the socket could already read and write) and connects to each peer's. Workers that share
// memory see the same /dev/shm, so the same sockets. The socket file is removed once every peer
// has spoken (they are all connected then), like the segment's name. A message is a 4-byte
// little-endian length and the codec's header frame. Plain node:net rather than ZeroMQ, because
// this is the one hop left on the path of every phase: a write goes out from the sending thread
// itself and wakes only the receiving one, where ZeroMQ's I/O threads add two more wake-ups per
// message (on a busy machine each wake-up can wait for a CPU; measured in BENCHMARKS.md).
//
// Every received message is validated (codec), must be a TURN of this run from another rank of
// it, and is kept until its stage is read (a peer may be one stage ahead); a duplicate or a
// message from nowhere is dropped. Every wait is bounded and names the ranks still silent.
import { chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { BoundedWait, decodeMessage, encodeMessage, type DecodeLimits, type SharedStage } from '@dgm/protocol';
import { OutOfTurnError } from '../api.js';

/** The turn socket's file beside a segment file (`….seg` → `….turn`). */
export function turnPathOf(segmentPath: string): string {
  return segmentPath.replace(/\.seg$/, '.turn');
}

/** Stages a peer may be ahead of this worker is at most one; a few more keys bound a flood. */
const MAX_OPEN_STAGES = 4;
/** A TURN's header is under 200 bytes; anything much longer is not one. */
const MAX_FRAME_BYTES = 4096;
/** How often a connect to a peer that has not opened its socket yet is tried again. */
const RETRY_MS = 10;

interface Awaited {
  key: string;
  wait: BoundedWait<number[]>;
}

/** Splits a byte stream into length-prefixed frames; null once the stream broke the framing. */
export function frameReader(onFrame: (frame: Buffer) => void): (chunk: Buffer) => boolean {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const n = pending.readUInt32LE(0);
      if (n > MAX_FRAME_BYTES) return false;
      if (pending.length < 4 + n) break;
      onFrame(pending.subarray(4, 4 + n));
      pending = pending.subarray(4 + n);
    }
    return true;
  };
}

/** One message as it travels on a turn socket: its length, then the codec's header frame. */
export function turnFrame(frames: Buffer[]): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(frames[0]!.length, 0);
  return Buffer.concat([length, frames[0]!]);
}

export class PeerTurns {
  private readonly server: Server;
  private readonly inbound = new Set<Socket>();
  /** Each peer's connection once made (this rank's entry stays null). */
  private readonly peers: Promise<Socket | null>[];
  /** The same, once every one is made. */
  private connected: (Socket | null)[] | null = null;
  /** Sample counts by rank (-1: not yet heard) of every stage some rank has spoken for. */
  private readonly open = new Map<string, number[]>();
  /**
   * By rank: stages decided through the segments (settle()) whose TURN from that rank is still on
   * its way, oldest first. A socket delivers in order, so each TURN that comes in is the first.
   */
  private readonly behind: string[][];
  /** By rank: whether a TURN of a stage this rank said came from it (once all have, the socket's name can go). */
  private readonly heard: boolean[];
  private waiting: Awaited | null = null;
  private failure: Error | null = null;
  private readonly path: string;
  private unlinked = false;
  private closed = false;
  /** Messages dropped (invalid, not a TURN of this run, duplicates, beyond the open stages). */
  dropped = 0;

  constructor(
    private readonly run: string,
    private readonly rank: number,
    /** Every rank's segment path, by rank: their turn sockets are beside them. */
    segments: readonly string[],
    private readonly limits: DecodeLimits,
    private readonly timeoutMs: number,
    private readonly onDrop: (reason: string) => void = () => undefined,
  ) {
    this.path = turnPathOf(segments[rank]!);
    this.behind = segments.map(() => []);
    this.heard = segments.map((_, q) => q === rank);
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (error) => this.fail(new Error(`could not open this worker's turn socket ${this.path}: ${error.message}`)));
    this.server.listen(this.path, () => chmodSync(this.path, 0o600));
    // A peer listens once it gets the same setup: the connect is retried until it does (bounded).
    this.peers = segments.map((seg, q) => (q === rank ? Promise.resolve(null) : this.connect(q, turnPathOf(seg))));
    for (const p of this.peers) p.catch((error: Error) => this.fail(error));
  }

  /** The error that ended the turns, if one did. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Says TURN for `stage` to every peer; resolves (bounded) with every rank's sample count once all have. */
  stage(step: number, phase: string, stage: SharedStage, sampleCount: number): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error(`stage '${stage}' of phase '${phase}' of step ${step} was requested while ${this.waiting.key} is still awaited`));
    const key = `${step}/${phase}/${stage}`;
    const wait = new BoundedWait<number[]>(this.timeoutMs, () => {
      this.waiting = null;
      const silent = (this.open.get(key) ?? []).map((c, q) => (c < 0 ? q : -1)).filter((q) => q >= 0);
      return new Error(`no TURN '${stage}' for phase '${phase}' of step ${step} from rank${silent.length === 1 ? '' : 's'} ${silent.join(', ')} within ${this.timeoutMs} ms`);
    });
    this.waiting = { key, wait };
    this.note(key, this.rank, sampleCount);
    const frame = turnFrame(encodeMessage({ type: 'TURN', run: this.run, rank: this.rank, step, phase, stage, sampleCount }));
    // Written before this returns once every peer is connected (the caller may spin on the turn
    // words next, and a peer asleep must not wait for that); until then, as the connections come.
    if (this.connected) this.send(this.connected, frame);
    else
      void Promise.all(this.peers).then(
        (sockets) => this.send((this.connected = sockets), frame),
        (error: Error) => this.fail(error),
      );
    return wait.promise;
  }

  private send(sockets: readonly (Socket | null)[], frame: Buffer): void {
    // A peer that went away is not an error here: its silence is, bounded by the wait, and the
    // coordinator names a dead worker sooner.
    for (const socket of sockets) if (socket && !socket.destroyed) socket.write(frame);
  }

  /**
   * The stage was decided through the segments (turn-words.ts) with every rank's `counts`: the
   * wait for it ends with them, and the peers' TURNs for it, still on their way, are taken in
   * without a word (they are still said: a rank that stopped spinning waits for them).
   */
  settle(step: number, phase: string, stage: SharedStage, counts: number[]): void {
    const key = `${step}/${phase}/${stage}`;
    const w = this.waiting;
    if (w?.key !== key) return; // answered by the sockets already
    this.waiting = null;
    // The stage is open (stage() noted this rank), unless a flood of TURNs had filled the open
    // stages then (dropped): its peers' TURNs are then taken as any other.
    const spoken = this.open.get(key);
    this.open.delete(key);
    spoken?.forEach((c, q) => {
      if (c < 0) this.behind[q]!.push(key);
    });
    w.wait.resolve(counts);
  }

  /**
   * The most stages some peer's socket TURNs are behind the turn words. A rank that never waits on
   * its event loop reads no socket: the caller waits on the sockets (which reads them all) once
   * this passes a bound, so what is kept for them stays bounded.
   */
  get backlog(): number {
    return Math.max(...this.behind.map((keys) => keys.length));
  }

  private connect(q: number, path: string): Promise<Socket> {
    const deadline = Date.now() + this.timeoutMs;
    return new Promise<Socket>((resolve, reject) => {
      const attempt = () => {
        if (this.closed) return reject(new Error('the turns were closed'));
        const socket = createConnection(path);
        let connected = false;
        socket.once('connect', () => {
          connected = true;
          socket.on('data', () => undefined); // peers never write back
          resolve(socket);
        });
        socket.on('error', (error) => {
          if (connected) return; // a peer that went away: see stage()
          socket.destroy();
          if (Date.now() > deadline) reject(new Error(`could not reach the turn socket of rank ${q} (${path}) within ${this.timeoutMs} ms: ${error.message}`));
          else setTimeout(attempt, RETRY_MS);
        });
      };
      attempt();
    });
  }

  private accept(socket: Socket): void {
    if (this.closed) return void socket.destroy();
    this.inbound.add(socket);
    socket.on('close', () => this.inbound.delete(socket));
    socket.on('error', () => undefined);
    const read = frameReader((frame) => this.receive(frame));
    socket.on('data', (chunk: Buffer) => {
      if (read(chunk)) return;
      this.drop(`a frame of more than ${MAX_FRAME_BYTES} bytes on the turn socket; the connection was closed`);
      socket.destroy();
    });
  }

  private receive(frame: Buffer): void {
    const result = decodeMessage([frame], this.limits);
    if (!result.ok) return this.drop(result.reason);
    const m = result.message;
    if (m.type !== 'TURN' || m.run !== this.run) this.drop(`a ${m.type} of run '${m.run}' on the turn socket`);
    else if (m.rank === this.rank || m.rank >= this.peers.length) this.drop(`a TURN from rank ${m.rank}, which is not a peer`);
    else {
      const key = `${m.step}/${m.phase}/${m.stage}`;
      if (this.behind[m.rank]![0] !== key) return this.note(key, m.rank, m.sampleCount);
      this.behind[m.rank]!.shift();
      this.heardFrom([m.rank]);
    }
  }

  /** Records `rank`'s count for stage `key`; answers the waiting stage once every rank spoke. */
  private note(key: string, rank: number, count: number): void {
    let counts = this.open.get(key);
    if (!counts) {
      if (this.open.size >= MAX_OPEN_STAGES) return this.drop(`a TURN for ${key} while ${this.open.size} stages are open`);
      counts = new Array<number>(this.peers.length).fill(-1);
      this.open.set(key, counts);
    }
    if (counts[rank]! >= 0) return this.drop(`a second TURN from rank ${rank} for ${key}`);
    counts[rank] = count;
    const w = this.waiting;
    if (!w || w.key !== key || counts.some((c) => c < 0)) return;
    this.open.delete(key);
    this.waiting = null;
    this.heardFrom(counts.keys());
    w.wait.resolve(counts);
  }

  private drop(reason: string): void {
    this.dropped++;
    this.onDrop(reason);
  }

  /** Once every peer has said a stage this rank said, all have connected: the socket's name is no longer needed. */
  private heardFrom(ranks: Iterable<number>): void {
    if (this.unlinked) return;
    for (const q of ranks) this.heard[q] = true;
    if (this.heard.every(Boolean)) this.forgetName();
  }

  private forgetName(): void {
    if (this.unlinked) return;
    this.unlinked = true;
    try {
      unlinkSync(this.path);
    } catch {
      // gone already
    }
  }

  /** Rejects the waiting stage (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = null;
    w?.wait.reject(error);
  }

  /** Nothing from the coordinator is this plane's: it is not the barrier. */
  deliver(type: string): never {
    throw new OutOfTurnError(`${type} is not a message of the shared-memory plane (its workers decide the turns among themselves)`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('the turns were closed'));
    for (const p of this.peers) void p.then((socket) => socket?.destroy(), () => undefined);
    for (const socket of this.inbound) socket.destroy();
    this.server.close();
    this.forgetName();
  }
}

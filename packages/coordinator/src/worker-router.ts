// The coordinator's end of the wire: one ROUTER. Every received message is validated before it
// is dispatched; invalid ones are reported (with the sender) and dropped. Sends go to a peer's
// routing id with Router.mandatory, so a send to a departed peer fails instead of vanishing:
// that is how a dead worker is noticed (see liveness in start-coordinator.ts).
import { rmSync } from 'node:fs';
import { Router } from 'zeromq';
import { decodeMessage, encodeMessage, routerOptions, SendQueue, type DecodeLimits, type Liveness, type Message } from '@dgm/protocol';
import { secureServer, type CurveServerKeys, type Refusal } from '@dgm/protocol/security';

export interface RouterEvents {
  message(peer: Peer, message: Message): void;
  invalid(peer: Peer, reason: string, detail: { type?: string; peerVersion?: number }): void;
  /** A connection closed (which peer is found by probing). */
  disconnect(): void;
  /** A connection refused by CURVE (each peer at most once a minute). */
  refused(refusal: Refusal): void;
}

/** A connected peer: its routing id as sent by ZeroMQ, and as a map key. */
export interface Peer {
  id: Buffer;
  key: string;
}

/**
 * How long one attempt of a send may wait for its peer. A send to a peer whose connection is
 * closing (its pipe still listed, no longer writable) waits in zeromq.js for a writable event
 * that never comes, to the end of the socket's send timeout, and only then fails with
 * EHOSTUNREACH. Measured: a worker that said FAILED and closed its socket held the
 * coordinator's STOP to it, and with it the run's end, for the whole 10 s liveness timeout in
 * about one run in five; with short attempts the STOP fails within one.
 */
export const SEND_ATTEMPT_MS = 25;

export class WorkerRouter {
  private readonly socket: Router;
  /** Sends one at a time (send-queue.ts says why). */
  private readonly sends: SendQueue<Buffer[]>;
  private limits: DecodeLimits = {};
  private closed = false;
  /** The socket file of an ipc:// bind: libzmq leaves it behind when the socket closes. */
  private socketFile: string | null = null;
  /** Messages dropped by validation. */
  invalidCount = 0;

  constructor(
    liveness: Liveness,
    maxMessageBytes: number,
    private readonly events: RouterEvents,
    private readonly curve: CurveServerKeys | null = null,
  ) {
    this.socket = new Router({ ...routerOptions(liveness, maxMessageBytes), sendTimeout: Math.min(SEND_ATTEMPT_MS, liveness.timeoutMs) });
    this.sends = new SendQueue((frames) => this.sendWithin(frames, liveness.timeoutMs));
    this.socket.events.on('disconnect', () => this.events.disconnect());
  }

  /** Binds and starts receiving; resolves with the bound endpoint (a real port for tcp://...:*). */
  async bind(address: string): Promise<string> {
    // With keys, the allow-list is in force before the port opens: no moment admits a stranger.
    if (this.curve) await secureServer(this.socket, this.curve, (r) => this.events.refused(r));
    await this.socket.bind(address);
    if (address.startsWith('ipc://')) this.socketFile = address.slice('ipc://'.length);
    void this.receiveLoop();
    return this.socket.lastEndpoint ?? address;
  }

  /** Bounds for validation (gradient sizes, batch, state bytes); the run id is checked by the caller. */
  setLimits(limits: DecodeLimits): void {
    this.limits = limits;
  }

  /** Sends to one peer; rejects if the peer is gone or its queue stays full beyond the timeout. */
  async send(peer: Peer, message: Message): Promise<void> {
    if (this.closed) throw new Error('the coordinator socket is closed');
    await this.sends.send([peer.id, ...encodeMessage(message)]);
  }

  /**
   * Sends `frames`, trying again while the peer's pipe is not writable (EAGAIN), for up to
   * `timeoutMs` in all: a full queue still has the whole timeout to drain, and a closing
   * connection is found gone within an attempt or two. Retries hold this socket's queue, so
   * messages to one peer keep their order.
   */
  private async sendWithin(frames: Buffer[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.socket.send(frames);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || this.closed || Date.now() >= deadline) throw error;
      }
    }
  }

  /**
   * Closes the socket. The last messages (STOP) may still be queued: they get a short, bounded
   * linger to reach live peers (linger 0 would drop them, and a worker would then wait for its
   * timeout instead of stopping at once).
   */
  close(lingerMs = 0): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.linger = lingerMs;
    this.socket.close();
    // Connections made stay up for the linger; the file only lets new ones in.
    if (this.socketFile !== null) rmSync(this.socketFile, { force: true });
  }

  private async receiveLoop(): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await this.socket.receive();
      } catch {
        return; // closed
      }
      const [id, ...rest] = frames;
      const peer = { id, key: id.toString('hex') };
      const result = decodeMessage(rest, this.limits);
      if (!result.ok) {
        this.invalidCount++;
        this.events.invalid(peer, result.reason, { type: result.type, peerVersion: result.peerVersion });
        continue;
      }
      this.events.message(peer, result.message);
    }
  }
}

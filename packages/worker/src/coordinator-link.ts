// The worker's end of the wire: one DEALER, a receive loop that validates every message, and a
// watchdog that declares the coordinator gone when it has been silent (or disconnected) for
// longer than the timeout. The coordinator sends HEARTBEAT while idle, so silence means trouble.
import { Dealer } from 'zeromq';
import { dealerOptions, decodeMessage, encodeMessage, SendQueue, type DecodeLimits, type Liveness, type Message } from '@dgm/protocol';
import { fingerprintOf, secureClient, type CurveClientKeys } from '@dgm/protocol/security';
import { CoordinatorGoneError, RejectedError } from './errors.js';

/** What the link reports upward. */
export interface LinkEvents {
  message(message: Message): void;
  /** A received message failed validation and was dropped. */
  invalid(reason: string): void;
  /** The coordinator is gone; the link is closed. */
  gone(error: CoordinatorGoneError): void;
  /** The coordinator's end refused this worker's security (its key, or CURVE itself); the link is closed. */
  refused(error: RejectedError): void;
}

/** The pause before a HELLO that failed at once is tried again. */
const JOIN_RESEND_MS = 50;

export class CoordinatorLink {
  private readonly socket: Dealer;
  /** Sends one at a time (send-queue.ts in @dgm/protocol says why). */
  private readonly sends: SendQueue<Buffer[]>;
  private limits: DecodeLimits = {};
  private lastHeard = Date.now();
  private lastTick = Date.now();
  private disconnectedAt: number | null = null;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  /** Messages dropped by validation. */
  invalidCount = 0;
  /** CURVE handshakes that failed without a verdict (the usual sign of a wrong --server-key). */
  handshakeFailures = 0;

  constructor(
    readonly address: string,
    private readonly liveness: Liveness,
    maxMessageBytes: number,
    private readonly events: LinkEvents,
    private readonly curve: CurveClientKeys | null = null,
  ) {
    this.socket = new Dealer(dealerOptions(liveness, maxMessageBytes));
    this.sends = new SendQueue((frames) => this.socket.send(frames));
    if (curve) secureClient(this.socket, curve);
  }

  /** Connects and starts receiving (the coordinator may not be up yet: ZeroMQ keeps retrying). */
  start(): void {
    this.watchHandshakes();
    this.socket.connect(this.address);
    this.socket.events.on('disconnect', () => {
      this.disconnectedAt ??= Date.now();
    });
    this.socket.events.on('connect', () => {
      this.disconnectedAt = null;
    });
    void this.receiveLoop();
  }

  /**
   * Starts judging silence and disconnection, once admitted: from then on the coordinator sends
   * at least a HEARTBEAT every heartbeat interval. (Before, the join timeout bounds the wait.)
   */
  watch(): void {
    if (this.watchdog !== undefined || this.closed) return;
    this.lastHeard = this.lastTick = Date.now();
    const tick = Math.max(10, Math.min(this.liveness.heartbeatMs, this.liveness.timeoutMs / 4));
    this.watchdog = setInterval(() => this.check(), tick);
  }

  /** Tightens validation once the run's manifest, batch and dataset are known. */
  setLimits(limits: DecodeLimits): void {
    this.limits = limits;
  }

  /** Sends a message; rejects if it cannot be queued within the timeout. */
  async send(message: Message): Promise<void> {
    if (this.closed) throw new CoordinatorGoneError('the connection to the coordinator is closed');
    await this.sends.send(encodeMessage(message));
  }

  /**
   * Sends while joining (HELLO). Under load a send can race with ZeroMQ dropping a connection
   * whose handshake failed and fail at once with EAGAIN, long before the send timeout; that one
   * is tried again until it is queued, the link closes (a refusal, the join timeout) or the send
   * timeout has passed.
   */
  async sendJoining(message: Message): Promise<void> {
    const since = Date.now();
    for (;;) {
      try {
        return await this.send(message);
      } catch (error) {
        if (this.closed || (error as { code?: string }).code !== 'EAGAIN' || Date.now() - since >= this.liveness.timeoutMs) throw error;
        await new Promise((resolve) => setTimeout(resolve, JOIN_RESEND_MS));
      }
    }
  }

  /**
   * Closes the socket. Pending sends are dropped (linger 0) unless `flushMs` > 0: then ZeroMQ
   * keeps trying to deliver them for that long after close (a last word such as FAILED).
   * Idempotent.
   */
  close(flushMs = 0): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    if (flushMs > 0) this.socket.linger = flushMs;
    this.socket.close();
  }

  /**
   * A refused handshake is final (libzmq would retry it forever): the worker stops with a
   * sentence at once instead of waiting out the join timeout.
   */
  private watchHandshakes(): void {
    const refuse = (reason: string) => {
      if (this.closed) return;
      this.close();
      this.events.refused(new RejectedError(reason));
    };
    this.socket.events.on('handshake:error:auth', () =>
      refuse(`the coordinator at ${this.address} refused this worker's key ${fingerprintOf(this.curve?.keyPair.publicKey ?? '')}: add its public key to the coordinator's --allow file.`),
    );
    this.socket.events.on('handshake:error:protocol', (event) => {
      if (event.error.code !== 'ERR_ZMTP_MECHANISM_MISMATCH') return void this.handshakeFailures++;
      refuse(
        this.curve
          ? `the coordinator at ${this.address} runs without CURVE keys (started with --insecure), but this worker has keys; start both ends with keys, or both with --insecure on a network you trust.`
          : `the coordinator at ${this.address} requires CURVE keys: pass --key (this worker's secret key) and --server-key (the coordinator's public key).`,
      );
    });
    this.socket.events.on('handshake:error:other', () => void this.handshakeFailures++);
  }

  private check(): void {
    const now = Date.now();
    const late = now - this.lastTick > 2 * this.liveness.heartbeatMs + 50;
    this.lastTick = now;
    // When this process itself was blocked (a long synchronous compute), messages that arrived
    // meanwhile are still queued: give the receive loop one turn before judging silence.
    if (late) return;
    const silentFor = now - this.lastHeard;
    if (this.disconnectedAt !== null && now - this.disconnectedAt > this.liveness.timeoutMs) {
      this.fail(`lost the connection to the coordinator at ${this.address} and could not reconnect within ${this.liveness.timeoutMs} ms`);
    } else if (silentFor > this.liveness.timeoutMs) {
      this.fail(`heard nothing from the coordinator at ${this.address} for ${silentFor} ms (timeout ${this.liveness.timeoutMs} ms)`);
    }
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.events.gone(new CoordinatorGoneError(reason));
  }

  private async receiveLoop(): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await this.socket.receive();
      } catch (error) {
        if (this.closed) return;
        this.fail(`receiving from the coordinator failed: ${(error as Error).message}`);
        return;
      }
      this.lastHeard = Date.now();
      const result = decodeMessage(frames, this.limits);
      if (!result.ok) {
        this.invalidCount++;
        this.events.invalid(result.reason);
        continue;
      }
      this.events.message(result.message);
    }
  }
}

// A man in the middle for fuzzing a live run: workers connect to the proxy, which relays every
// message to and from the coordinator over one DEALER per worker, and can inject frames into
// either direction of any worker's connection (so junk reaches a worker "from the coordinator",
// and reaches the coordinator from an admitted worker's own connection).
import { Dealer, Router } from 'zeromq';
import { secureClient, secureServer, type CurveClientKeys, type CurveServerKeys } from '@dgm/protocol/security';

/**
 * A zeromq.js socket takes one send at a time ("Socket is busy writing" otherwise): relayed and
 * injected messages share sockets, so every send goes through that socket's queue.
 */
class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(private readonly socket: { send(frames: Uint8Array[]): Promise<void> }) {}
  send(frames: Uint8Array[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class FuzzProxy {
  private readonly front = new Router({ linger: 0 });
  private readonly frontQueue = new SendQueue(this.front);
  private readonly backs = new Map<string, { id: Buffer; dealer: Dealer; queue: SendQueue }>();
  private closed = false;
  address = '';

  /**
   * `tamper` may rewrite each coordinator → worker message (frames without identity) of the
   * worker with index `worker` (in order of first contact) before it is relayed. With `curve`
   * the proxy is a CURVE server to the workers and a CURVE client of the coordinator: an
   * authenticated peer on both sides.
   */
  constructor(
    private readonly coordinator: string,
    private readonly tamper?: (frames: Buffer[], worker: number) => Buffer[],
    private readonly curve?: { front: CurveServerKeys; back: CurveClientKeys },
  ) {}

  async start(): Promise<string> {
    if (this.curve) await secureServer(this.front, this.curve.front);
    await this.front.bind('tcp://127.0.0.1:*');
    this.address = this.front.lastEndpoint!;
    void this.relayFront();
    return this.address;
  }

  /** Identities of the workers seen so far. */
  get workers(): string[] {
    return [...this.backs.keys()];
  }

  /** Sends raw frames to a worker as if from the coordinator. */
  async toWorker(key: string, frames: Uint8Array[]): Promise<void> {
    const b = this.backs.get(key);
    if (b && !this.closed) await this.frontQueue.send([b.id, ...frames]);
  }

  /** Sends raw frames to the coordinator on a worker's own connection. */
  async asWorker(key: string, frames: Uint8Array[]): Promise<void> {
    const b = this.backs.get(key);
    if (b && !this.closed) await b.queue.send(frames);
  }

  close(): void {
    this.closed = true;
    this.front.close();
    for (const b of this.backs.values()) b.dealer.close();
  }

  private async relayFront(): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await this.front.receive();
      } catch {
        return;
      }
      const [id, ...rest] = frames;
      const key = id.toString('hex');
      let back = this.backs.get(key);
      if (!back) {
        const dealer = new Dealer({ linger: 0 });
        if (this.curve) secureClient(dealer, this.curve.back);
        dealer.connect(this.coordinator);
        back = { id, dealer, queue: new SendQueue(dealer) };
        this.backs.set(key, back);
        void this.relayBack(back);
      }
      await back.queue.send(rest).catch(() => undefined);
    }
  }

  private async relayBack(back: { id: Buffer; dealer: Dealer; queue: SendQueue }): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await back.dealer.receive();
      } catch {
        return;
      }
      const index = [...this.backs.values()].indexOf(back);
      const out = this.tamper ? this.tamper(frames, index) : frames;
      await this.frontQueue.send([back.id, ...out]).catch(() => undefined);
    }
  }
}

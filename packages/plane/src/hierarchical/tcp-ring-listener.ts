// A worker's ring listener on a keyless run (tcp-ring-link.ts): a plain TCP server bound before
// HELLO on the interface that reaches the coordinator, at a port of the run's range. Its
// successor connects and says which run and ranks it wants (tcp-ring-wire.ts); the link claims
// that connection once the setup names the successor and sends its chunks down it. Every other
// connection is closed: a wrong or malformed HELLO, none within the HELLO time, more than a few
// waiting at once, or any after the successor's.
import { createServer, type Server, type Socket } from 'node:net';
import { BoundedWait } from '@dgm/protocol';
import { decodeHello, type RingHello } from './tcp-ring-wire.js';

/** Connections that may wait for the setup at once (a ring needs one). */
const MAX_WAITING = 8;
/** Time a connection has to complete its HELLO. */
const HELLO_MS = 10_000;

interface Arrival {
  socket: Socket;
  hello: RingHello;
}

export class TcpRingListener {
  /** Connections with a complete HELLO, waiting for the setup to name the successor. */
  private readonly arrivals: Arrival[] = [];
  /** Connections still sending their HELLO. */
  private readonly greeting = new Set<Socket>();
  private claim: { want: RingHello; wait: BoundedWait<Socket> } | null = null;
  private claimed = false;
  private closed = false;
  /** Connections closed because they were not the successor's. */
  refused = 0;

  private constructor(
    private readonly server: Server,
    /** tcp://IP:PORT as the successor connects to it. */
    readonly address: string,
  ) {
    server.on('connection', (socket) => this.greet(socket));
  }

  /** Listens at `ip` on `port` (0: any free one); rejects when the port is taken. */
  static async listen(ip: string, port: number): Promise<TcpRingListener> {
    const server = createServer({ noDelay: true });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: ip, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      server.close();
      throw error;
    }
    return new TcpRingListener(server, `tcp://${ip}:${(server.address() as { port: number }).port}`);
  }

  /**
   * The connection of rank `want.from` asking for rank `want.to` of run `want.run` (one that came
   * before the setup, or the next to come); rejects with `onTimeout()` after `timeoutMs`.
   */
  successor(want: RingHello, timeoutMs: number, onTimeout: () => Error): Promise<Socket> {
    if (this.claim || this.claimed) throw new Error('the ring listener was claimed already');
    const wait = new BoundedWait<Socket>(timeoutMs, () => {
      this.claim = null;
      return onTimeout();
    });
    this.claim = { want, wait };
    for (const a of this.arrivals.splice(0)) this.offer(a);
    return wait.promise;
  }

  private greet(socket: Socket): void {
    if (this.closed || this.claimed || this.greeting.size + this.arrivals.length >= MAX_WAITING) return this.refuse(socket);
    this.greeting.add(socket);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => done(null), HELLO_MS);
    const done = (hello: RingHello | null) => {
      clearTimeout(timer);
      this.greeting.delete(socket);
      socket.off('data', onData);
      if (hello === null) return this.refuse(socket);
      socket.pause();
      this.offer({ socket, hello });
    };
    const onData = (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const read = decodeHello(received);
      if (read === 'more') return;
      // A HELLO and nothing after it: the connecting side only receives from here on.
      done(typeof read === 'string' || read.length !== received.byteLength ? null : read.hello);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined); // a reset while greeting: 'close' follows, the socket is dropped
    socket.once('close', () => {
      if (this.greeting.has(socket)) done(null);
    });
  }

  /** Hands `a` to the claim if it is the successor's; keeps it while nothing is claimed. */
  private offer(a: Arrival): void {
    if (this.closed || this.claimed) return this.refuse(a.socket);
    if (!this.claim) {
      this.arrivals.push(a);
      return;
    }
    const { want, wait } = this.claim;
    if (a.hello.run !== want.run || a.hello.from !== want.from || a.hello.to !== want.to) return this.refuse(a.socket);
    this.claim = null;
    this.claimed = true;
    // Nobody else may connect now: the port is no longer needed.
    this.server.close();
    for (const other of this.arrivals.splice(0)) this.refuse(other.socket);
    wait.resolve(a.socket);
  }

  private refuse(socket: Socket): void {
    this.refused++;
    socket.destroy();
  }

  /** Stops listening and closes every connection not handed to a link. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const s of this.greeting) s.destroy();
    this.greeting.clear();
    for (const a of this.arrivals.splice(0)) a.socket.destroy();
    this.claim?.wait.reject(new Error('the ring listener was closed'));
    this.claim = null;
  }
}

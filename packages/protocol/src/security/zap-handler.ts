// The ZAP handler (ZeroMQ RFC 27) of this process: libzmq asks it, over inproc://zeromq.zap.01,
// whether each CURVE client may connect to a server socket, naming the socket's ZAP domain and the
// client's public key. Each server socket registers its own domain and allow-list here, so several
// servers in one process (a coordinator, a worker's ring socket, a test) share the one handler a
// ZeroMQ context can have. Anything unknown — a domain, a mechanism other than CURVE, a malformed
// request — is denied: without an answer of "200" nobody gets in.
import { Router } from 'zeromq';
import { fingerprintOf } from './keys.js';
import { decodeZ85 } from './z85.js';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** What a registered server socket admits, and where its denials go. */
export interface ZapDomain {
  /** Allowed client public keys, as hex of their 32 bytes. */
  allowHex: ReadonlySet<string>;
  denied(address: string, fingerprint: string | null, reason: string): void;
}

/** Hex of the 32 bytes of each Z85 key (how ZAP hands keys over). */
export function allowSetOf(keys: readonly string[]): Set<string> {
  return new Set(keys.map((k) => decodeZ85(k)!.toString('hex')));
}

class ZapHandler {
  private readonly domains = new Map<string, ZapDomain>();
  private router: Router | null = null;
  private ready: Promise<void> | null = null;

  /** Registers a domain; resolves once the handler is bound (before the caller's server binds). */
  async register(domain: string, entry: ZapDomain): Promise<void> {
    this.domains.set(domain, entry);
    this.ready ??= this.start();
    await this.ready;
  }

  /** Forgets a domain; the last one closes the handler, so an idle process can exit. */
  unregister(domain: string): void {
    if (!this.domains.delete(domain) || this.domains.size > 0 || !this.router) return;
    this.router.close();
    this.router = null;
    this.ready = null;
  }

  private async start(): Promise<void> {
    const router = new Router({ linger: 0 });
    this.router = router;
    // A handler closed a moment ago may still hold the inproc name until libzmq reaps it.
    for (let attempt = 0; ; attempt++) {
      try {
        await router.bind(ZAP_ENDPOINT);
        break;
      } catch (error) {
        if (this.router !== router) return; // unregistered meanwhile: nobody waits for this handler
        if (attempt >= 100) {
          router.close();
          this.router = null;
          this.ready = null;
          throw new Error(`could not start the CURVE authentication handler at ${ZAP_ENDPOINT}: ${(error as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    void this.answer(router);
  }

  private async answer(router: Router): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch {
        return; // closed
      }
      // [routing id, empty, version, request id, domain, address, identity, mechanism, credentials...]
      const [id, , version, requestId, domainFrame, addressFrame, , mechanism, key] = frames;
      if (frames.length < 8 || !requestId) continue; // not a ZAP request: nothing to answer
      const domain = this.domains.get(domainFrame?.toString() ?? '');
      const address = addressFrame?.toString() ?? '?';
      let status = '400';
      let text = 'denied';
      let user = '';
      if (version?.toString() !== '1.0' || mechanism?.toString() !== 'CURVE' || !key || key.length !== 32 || !domain) {
        domain?.denied(address, null, `it asked for ${mechanism?.toString() || 'no'} security instead of CURVE`);
      } else if (domain.allowHex.has(key.toString('hex'))) {
        status = '200';
        text = 'OK';
        user = fingerprintOf(key);
      } else {
        domain.denied(address, fingerprintOf(key), 'its key is not on the allow-list');
      }
      try {
        await router.send([id, Buffer.alloc(0), '1.0', requestId, status, text, user, Buffer.alloc(0)]);
      } catch {
        // The connection asking is gone; libzmq drops it either way.
      }
    }
  }
}

/** The handler of this process's (zeromq.js's default) context. */
export const zapHandler = new ZapHandler();

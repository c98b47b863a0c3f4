// The closed cluster's parts on real sockets and real files: key files as `dgm keys new` writes
// them, the allow-list, and CURVE servers that admit listed keys only — an unlisted key, a client
// without CURVE, a client with the wrong server key and plaintext bytes are each refused, and the
// refusals are logged once per peer per minute.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context, curveKeyPair, Dealer, Router } from 'zeromq';
import {
  fingerprintOf,
  newCurveKeyPair,
  publicKeyOf,
  readPublicKeyFile,
  readPublicKeys,
  readSecretKeyFile,
  RefusalLog,
  secureClient,
  secureServer,
  writeKeyPairFiles,
  type Refusal,
} from '../src/security/index.js';
import { decodeZ85, encodeZ85 } from '../src/security/z85.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-keys-'));
// afterAll, not process 'exit': vitest ends its worker processes without that event, which left the folder in /tmp.
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sockets: (Router | Dealer)[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

function sentence(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('keys and key files', () => {
  it('Z85 round-trips and the public half of a secret key is the one libzmq made', () => {
    for (let i = 0; i < 5; i++) {
      const pair = curveKeyPair();
      expect(encodeZ85(decodeZ85(pair.secretKey)!)).toBe(pair.secretKey);
      expect(publicKeyOf(pair.secretKey)).toBe(pair.publicKey);
    }
    expect(decodeZ85('#####')).toBeNull(); // 84·85^4+... ≥ 2^32
    expect(fingerprintOf(curveKeyPair().publicKey)).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('dgm keys new writes a 0600 secret and a public key that is an allow-list by itself; never overwrites', () => {
    const out = join(dir, 'host-a');
    const files = writeKeyPairFiles(out);
    expect(statSync(files.secretFile).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    const pair = readSecretKeyFile(files.secretFile, '--key');
    expect(pair.publicKey).toBe(files.publicKey);
    expect(readPublicKeyFile(files.publicFile, '--server-key')).toBe(files.publicKey);
    expect(readPublicKeys(files.publicFile, '--allow')).toEqual([files.publicKey]);
    const before = readFileSync(files.secretFile, 'utf8');
    expect(sentence(() => writeKeyPairFiles(out))).toBe(`${files.secretFile} already exists; dgm keys new never overwrites a key: choose another --out directory or remove the old key first.`);
    expect(readFileSync(files.secretFile, 'utf8')).toBe(before);
  });

  it('a secret key file readable by group or others is refused with a sentence', () => {
    const { secretFile } = writeKeyPairFiles(join(dir, 'open'));
    chmodSync(secretFile, 0o644);
    expect(sentence(() => readSecretKeyFile(secretFile, '--key'))).toBe(`--key ${secretFile} is readable by other users (mode 644); a secret key must be private: chmod 600 ${secretFile}.`);
    chmodSync(secretFile, 0o640);
    expect(sentence(() => readSecretKeyFile(secretFile, '--key'))).toMatch(/mode 640/);
  });

  it('mixed-up and malformed files are refused with a sentence naming the file and line', () => {
    const { secretFile, publicFile } = writeKeyPairFiles(join(dir, 'mixed'));
    expect(sentence(() => readSecretKeyFile(publicFile, '--key'))).toMatch(/holds a bare key, as a public key file does; give the secret.key/);
    expect(sentence(() => readPublicKeys(secretFile, '--allow'))).toMatch(/is a secret key file; give a public key file \(public.key\), never the secret half/);
    const a = newCurveKeyPair().publicKey;
    const b = newCurveKeyPair().publicKey;
    const allow = join(dir, 'allow');
    writeFileSync(allow, `# the cluster\n\n${a}  # node 1\n   ${b}\n`);
    expect(readPublicKeys(allow, '--allow')).toEqual([a, b]);
    expect(sentence(() => readPublicKeyFile(allow, '--server-key'))).toMatch(/must hold exactly one public key .* it holds 2/);
    writeFileSync(allow, `${a}\nnode-2 ${b}\n`);
    expect(sentence(() => readPublicKeys(allow, '--allow'))).toBe(`--allow ${allow} line 2 is not a public key; allowed are one 40-character Z85 key per line (as in public.key), blank lines and # comments.`);
    writeFileSync(allow, '# nobody\n');
    expect(sentence(() => readPublicKeys(allow, '--allow'))).toMatch(/holds no public key/);
    expect(sentence(() => readPublicKeys(join(dir, 'nope'), '--allow'))).toMatch(/does not exist; make a key pair with dgm keys new --out DIR/);
  });
});

/** Resolves with the first message `socket` receives, or null after `ms`. */
async function firstMessage(socket: Router | Dealer, ms: number): Promise<Buffer[] | null> {
  return Promise.race([socket.receive(), new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

/** A DEALER that keeps saying `name` to `address` (as a worker retries its HELLO). */
function persistentClient(address: string, name: string, setup: (d: Dealer) => void): Dealer {
  const dealer = new Dealer({ linger: 0, sendTimeout: 0 });
  setup(dealer);
  sockets.push(dealer);
  dealer.connect(address);
  const timer = setInterval(() => {
    if (dealer.closed) clearInterval(timer);
    else dealer.send(name).catch(() => undefined);
  }, 20);
  return dealer;
}

describe('CURVE sockets', () => {
  it('a listed key gets through; an unlisted key, no CURVE, the wrong server key and plaintext are refused and logged', async () => {
    const server = newCurveKeyPair();
    const listed = newCurveKeyPair();
    const unlisted = newCurveKeyPair();
    const refusals: Refusal[] = [];
    const router = new Router({ linger: 0 });
    sockets.push(router);
    await secureServer(router, { keyPair: server, allow: [listed.publicKey] }, (r) => refusals.push(r));
    await router.bind('tcp://127.0.0.1:*');
    const address = router.lastEndpoint!;
    expect(router.securityMechanism).toBe('curve');

    const authErrors: string[] = [];
    const refused = persistentClient(address, 'unlisted', (d) => {
      secureClient(d, { keyPair: unlisted, serverKey: server.publicKey });
      d.events.on('handshake:error:auth', () => authErrors.push('auth'));
    });
    persistentClient(address, 'no-curve', () => {});
    persistentClient(address, 'wrong-server-key', (d) => secureClient(d, { keyPair: listed, serverKey: newCurveKeyPair().publicKey }));
    const raw = connect(Number(address.split(':').pop()), '127.0.0.1');
    raw.on('error', () => undefined);
    raw.write('\x00\x00HELLO {"type":"HELLO","run":"x"}\n'.repeat(20));
    // Let the strangers knock for a while before the listed client joins.
    await new Promise((r) => setTimeout(r, 600));
    persistentClient(address, 'listed', (d) => secureClient(d, { keyPair: listed, serverKey: server.publicKey }));

    const seen = new Set<string>();
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const frames = await firstMessage(router, until - Date.now());
      if (frames) seen.add(frames[1].toString());
    }
    raw.destroy();
    expect([...seen]).toEqual(['listed']);
    expect(authErrors.length).toBeGreaterThan(0);
    void refused;
    // The unlisted key retried every 100 ms: logged once (per peer per minute), with its fingerprint.
    const byKey = refusals.filter((r) => r.fingerprint === fingerprintOf(unlisted.publicKey));
    expect(byKey).toHaveLength(1);
    expect(byKey[0]).toMatchObject({ address: '127.0.0.1', reason: 'its key is not on the allow-list', repeats: 0 });
    // The handshake failures without a key (no CURVE, wrong server key, plaintext) are logged too, once.
    const keyless = refusals.filter((r) => r.fingerprint === null);
    expect(keyless.length).toBeGreaterThanOrEqual(1);
    expect(keyless.length).toBeLessThanOrEqual(3);
    expect(keyless[0].reason).toMatch(/failed the CURVE handshake/);
  });

  it('two servers in one process keep their own allow-lists (one ZAP handler, one domain each)', async () => {
    const [s1, s2, c1, c2] = [0, 1, 2, 3].map(() => newCurveKeyPair());
    const r1 = new Router({ linger: 0 });
    const r2 = new Router({ linger: 0 });
    sockets.push(r1, r2);
    await secureServer(r1, { keyPair: s1, allow: [c1.publicKey] });
    await secureServer(r2, { keyPair: s2, allow: [c2.publicKey] });
    await r1.bind('tcp://127.0.0.1:*');
    await r2.bind('tcp://127.0.0.1:*');
    // c1 to both servers: only the first admits it.
    persistentClient(r1.lastEndpoint!, 'c1', (d) => secureClient(d, { keyPair: c1, serverKey: s1.publicKey }));
    persistentClient(r2.lastEndpoint!, 'c1', (d) => secureClient(d, { keyPair: c1, serverKey: s2.publicKey }));
    expect((await firstMessage(r1, 3000))?.[1].toString()).toBe('c1');
    expect(await firstMessage(r2, 800)).toBeNull();
  });

  it('a server keeps refusing after another server of the process closed (the handler stays while one is registered)', async () => {
    const [s1, s2, c] = [0, 1, 2].map(() => newCurveKeyPair());
    const first = new Router({ linger: 0 });
    await secureServer(first, { keyPair: s1, allow: [c.publicKey] });
    const second = new Router({ linger: 0 });
    sockets.push(second);
    await secureServer(second, { keyPair: s2, allow: [newCurveKeyPair().publicKey] });
    await second.bind('tcp://127.0.0.1:*');
    first.close();
    await new Promise((r) => setTimeout(r, 100));
    persistentClient(second.lastEndpoint!, 'stranger', (d) => secureClient(d, { keyPair: c, serverKey: s2.publicKey }));
    expect(await firstMessage(second, 1000)).toBeNull();
  });
});

describe('failing closed', () => {
  it('a server whose ZAP handler is missing refuses even a listed key (ZMQ_ZAP_ENFORCE_DOMAIN)', async () => {
    // A socket of another ZeroMQ context does not see this process's handler (it lives in the
    // default context): exactly the "no handler" case, where libzmq alone would admit anybody.
    const server = newCurveKeyPair();
    const client = newCurveKeyPair();
    const context = new Context();
    const router = new Router({ linger: 0, context });
    sockets.push(router);
    await secureServer(router, { keyPair: server, allow: [client.publicKey] });
    expect(router.zapEnforceDomain).toBe(true);
    await router.bind('tcp://127.0.0.1:*');
    persistentClient(router.lastEndpoint!, 'listed', (d) => secureClient(d, { keyPair: client, serverKey: server.publicKey }));
    expect(await firstMessage(router, 1000)).toBeNull();
  });
});

describe('RefusalLog', () => {
  it('reports each peer at most once per minute, with the refusals it hid', () => {
    let now = 0;
    const out: Refusal[] = [];
    const log = new RefusalLog((r) => out.push(r), 60_000, () => now);
    const peer = { address: '10.0.0.9', fingerprint: 'sha256:aa', reason: 'its key is not on the allow-list' };
    for (let i = 0; i < 50; i++) {
      log.note(peer);
      now += 1000;
    }
    log.note({ ...peer, address: '10.0.0.10' });
    expect(out.map((r) => [r.address, r.repeats])).toEqual([
      ['10.0.0.9', 0],
      ['10.0.0.10', 0],
    ]);
    now += 10_000;
    log.note(peer);
    expect(out.at(-1)).toMatchObject({ address: '10.0.0.9', repeats: 49 });
  });
});

// The one API that makes a ZeroMQ socket a CURVE server or client: every TCP socket of a run —
// the coordinator's ROUTER, the workers' DEALERs, and sockets between workers — goes through
// these two functions, so encryption, the allow-list and the refusal log work the same on all.
//
// A server socket fails closed twice over: it registers an allow-list with this process's ZAP
// handler before it may bind (without a handler libzmq admits every CURVE client), and it sets
// ZMQ_ZAP_ENFORCE_DOMAIN, so that if the handler were ever missing libzmq refuses the client
// instead of letting it in. The handler lives in zeromq.js's default context, where dgm makes
// every socket; a server socket of another context sees no handler and so admits nobody.
import { capability, type Socket } from 'zeromq';
import { DgmInputError } from '@dgm/core/errors';
import { publicKeyOf, type CurveKeyPair } from './keys.js';
import { RefusalLog, type Refusal } from './refusal-log.js';
import { allowSetOf, zapHandler } from './zap-handler.js';
import { isKeyText } from './z85.js';

/** What a CURVE server needs: its own key pair and the client keys it admits. */
export interface CurveServerKeys {
  keyPair: CurveKeyPair;
  /** Public keys (Z85) of the clients allowed in; everybody else is refused. */
  allow: readonly string[];
}

/** What a CURVE client needs: its own key pair (listed at the server) and the server's public key. */
export interface CurveClientKeys {
  keyPair: CurveKeyPair;
  serverKey: string;
}

/** This zeromq build lacks CURVE, or keys handed over in code are malformed (the caller's input: exit 2). */
export class CurveSetupError extends DgmInputError {
  override name = 'CurveSetupError';
}

/** Throws CurveSetupError when libzmq was built without CURVE. */
export function assertCurveAvailable(): void {
  if (!capability.curve) {
    throw new CurveSetupError('this build of zeromq has no CURVE support (zmq.capability.curve is false), so the run cannot be encrypted; reinstall zeromq 6.8 with its prebuilt binaries (dgm coordinator and dgm worker can also run without keys with --insecure, on a network you trust).');
  }
}

function checkKeyPair(pair: CurveKeyPair, what: string): void {
  if (!pair || !isKeyText(pair.secretKey) || !isKeyText(pair.publicKey)) throw new CurveSetupError(`${what} must be a CURVE key pair of two 40-character Z85 keys.`);
  if (publicKeyOf(pair.secretKey) !== pair.publicKey) throw new CurveSetupError(`${what}: the public key does not belong to the secret key.`);
}

/** Checks server keys (for option tables); returns them. */
export function checkCurveServerKeys(keys: CurveServerKeys): CurveServerKeys {
  checkKeyPair(keys?.keyPair, 'the CURVE server key pair');
  if (!Array.isArray(keys.allow) || keys.allow.length === 0) throw new CurveSetupError('a CURVE server needs an allow-list of at least one client public key.');
  const bad = keys.allow.find((k) => !isKeyText(k));
  if (bad !== undefined) throw new CurveSetupError(`the allow-list entry '${String(bad).slice(0, 50)}' is not a 40-character Z85 public key.`);
  return keys;
}

/** Checks client keys (for option tables); returns them. */
export function checkCurveClientKeys(keys: CurveClientKeys): CurveClientKeys {
  checkKeyPair(keys?.keyPair, 'the CURVE client key pair');
  if (!isKeyText(keys.serverKey)) throw new CurveSetupError("the CURVE server key must be the server's 40-character Z85 public key.");
  return keys;
}

let domains = 0;

/**
 * Makes `socket` a CURVE server admitting only `keys.allow`. Call before `bind`; resolves once
 * the ZAP handler is listening. Refused connections go to `onRefusal`, each peer at most once a
 * minute. The registration ends by itself when the socket closes.
 */
export async function secureServer(socket: Socket, keys: CurveServerKeys, onRefusal: (refusal: Refusal) => void = () => {}): Promise<ServerAllowList> {
  assertCurveAvailable();
  checkCurveServerKeys(keys);
  const refusals = new RefusalLog(onRefusal);
  const domain = `dgm-${process.pid}-${++domains}`;
  const allowHex = allowSetOf(keys.allow);
  await zapHandler.register(domain, {
    allowHex,
    denied: (address, fingerprint, reason) => refusals.note({ address, fingerprint, reason }),
  });
  socket.zapDomain = domain;
  socket.zapEnforceDomain = true;
  socket.curveSecretKey = keys.keyPair.secretKey;
  socket.curveServer = true;
  // Failures before any key is known (a client without CURVE, with the wrong server key, or not
  // speaking ZeroMQ at all). libzmq names only the listening endpoint here, not the peer.
  const handshakeFailed = (event: { address: string; error?: Error }) =>
    refusals.note({ address: event.address, fingerprint: null, reason: `a connection failed the CURVE handshake (no CURVE, the wrong server key, or not ZeroMQ: ${event.error?.message ?? 'no detail'})` });
  socket.events.on('handshake:error:protocol', handshakeFailed);
  socket.events.on('handshake:error:other', handshakeFailed);
  socket.events.on('end', () => zapHandler.unregister(domain));
  return {
    admit(more) {
      checkCurveServerKeys({ keyPair: keys.keyPair, allow: more });
      for (const key of allowSetOf(more)) allowHex.add(key);
    },
  };
}

/**
 * A bound server's allow-list, for a server that must bind before it knows its clients (a ring
 * plane's socket is announced at HELLO; its neighbours' keys come with the plane's setup).
 */
export interface ServerAllowList {
  /** Admits these public keys from now on (checked like the initial list). */
  admit(keys: readonly string[]): void;
}

/** Makes `socket` a CURVE client of the server whose public key is `keys.serverKey`. Call before `connect`. */
export function secureClient(socket: Socket, keys: CurveClientKeys): void {
  assertCurveAvailable();
  checkCurveClientKeys(keys);
  socket.curveServerKey = keys.serverKey;
  socket.curvePublicKey = keys.keyPair.publicKey;
  socket.curveSecretKey = keys.keyPair.secretKey;
}

// CURVE key pairs (Curve25519, as libzmq uses them) in their Z85 text form: making one, the public
// half of a secret key, and the short fingerprint that names a key in logs and sentences without
// printing it.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { curveKeyPair } from 'zeromq';
import { decodeZ85, encodeZ85, isKeyText } from './z85.js';

/** A CURVE key pair, both halves as 40-character Z85 text. */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** A fresh key pair from libzmq (its own random source). */
export function newCurveKeyPair(): CurveKeyPair {
  return curveKeyPair();
}

// PKCS#8 header of a raw X25519 private key: lets node:crypto compute the public half of a
// libzmq secret key (both are Curve25519 scalar multiplication of the base point, clamped).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public half of a Z85 secret key. Throws RangeError if `secretKey` is not a key. */
export function publicKeyOf(secretKey: string): string {
  const raw = isKeyText(secretKey) ? decodeZ85(secretKey) : null;
  if (!raw) throw new RangeError('not a 40-character Z85 CURVE key');
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return encodeZ85(spki.subarray(spki.length - 32));
}

/** "sha256:<16 hex>" of a public key's 32 bytes (Z85 text or raw): names a peer in logs. */
export function fingerprintOf(publicKey: string | Uint8Array): string {
  const raw = typeof publicKey === 'string' ? decodeZ85(publicKey) ?? Buffer.from(publicKey) : publicKey;
  return `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

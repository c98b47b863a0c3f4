// Z85 (ZeroMQ RFC 32), the text form of CURVE keys that libzmq and zeromq.js use: 5 characters
// per 4 bytes. Written out here because zeromq.js exports no codec and the key files, the
// allow-list and the ZAP handler (which receives raw 32-byte keys) all need one.
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Length of a CURVE key in Z85: 32 bytes → 40 characters. */
export const KEY_TEXT_LENGTH = 40;

/** True when `text` is 40 Z85 characters that decode to 32 bytes (every 5-character group below 2^32). */
export function isKeyText(text: string): boolean {
  return text.length === KEY_TEXT_LENGTH && decodeZ85(text) !== null;
}

/** Bytes of a Z85 string, or null when it is not valid Z85 (length not a multiple of 5, a foreign character, a group ≥ 2^32). */
export function decodeZ85(text: string): Buffer | null {
  if (text.length % 5 !== 0) return null;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = VALUE.get(text[i + j]);
      if (digit === undefined) return null;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return null;
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}

/** Z85 text of `bytes` (its length a multiple of 4). */
export function encodeZ85(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`Z85 encodes whole 4-byte groups; got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = view.getUint32(i);
    const group: string[] = [];
    for (let j = 0; j < 5; j++) {
      group.unshift(ALPHABET[value % 85]);
      value = Math.floor(value / 85);
    }
    text += group.join('');
  }
  return text;
}

// The bytes on a ring connection over plain TCP (tcp-ring-link.ts), in one place.
//
// The receiving rank connects to its predecessor's ring listener and first sends a HELLO:
//   8 bytes 'dgmring1', uint16 length (little-endian), then that many bytes of JSON
//   {"run": RUN, "from": RANK, "to": RANK}: the run, the connecting rank, the rank it wants.
// The listener keeps the connection only when the run and both ranks are the ones its setup names
// (anything else is closed); from then on it only sends, frames of
//   a 28-byte header: step, phase, stage, hop, chunk, samples, payload bytes (int32, little-endian)
//   then the payload.
// A keyless run is open by choice (--insecure, or loopback), so the HELLO keeps out mistakes
// (another run's worker, a stale rank, a port scanner), not an attacker: closed runs use CURVE.

export const HELLO_MAGIC = 'dgmring1';
/** Longest HELLO body accepted (a run id is at most 128 characters). */
export const MAX_HELLO_BODY = 512;
export const FRAME_HEADER_BYTES = 28;

export interface RingHello {
  run: string;
  from: number;
  to: number;
}

export function encodeHello(hello: RingHello): Uint8Array {
  const body = Buffer.from(JSON.stringify(hello));
  if (body.byteLength > MAX_HELLO_BODY) throw new RangeError(`a ring HELLO of ${body.byteLength} bytes (at most ${MAX_HELLO_BODY})`);
  const out = Buffer.alloc(10 + body.byteLength);
  out.write(HELLO_MAGIC, 0, 'latin1');
  out.writeUInt16LE(body.byteLength, 8);
  body.copy(out, 10);
  return out;
}

/**
 * Reads a HELLO at the start of `bytes`: the hello and the bytes it took, 'more' while it is
 * incomplete, or a sentence saying what is wrong.
 */
export function decodeHello(bytes: Uint8Array): { hello: RingHello; length: number } | 'more' | string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = Math.min(8, b.byteLength);
  if (b.toString('latin1', 0, magic) !== HELLO_MAGIC.slice(0, magic)) return `not a dgm ring HELLO (it must start with '${HELLO_MAGIC}')`;
  if (b.byteLength < 10) return 'more';
  const size = b.readUInt16LE(8);
  if (size > MAX_HELLO_BODY) return `a ring HELLO of ${size} bytes (at most ${MAX_HELLO_BODY})`;
  if (b.byteLength < 10 + size) return 'more';
  let value: unknown;
  try {
    value = JSON.parse(b.toString('utf8', 10, 10 + size));
  } catch {
    return 'a ring HELLO whose body is not JSON';
  }
  const v = value as Partial<RingHello> | null;
  const rank = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < 1 << 20;
  if (typeof v !== 'object' || v === null || typeof v.run !== 'string' || v.run.length > 128 || !rank(v.from) || !rank(v.to)) {
    return 'a ring HELLO without {run: string, from: rank, to: rank}';
  }
  return { hello: { run: v.run, from: v.from!, to: v.to! }, length: 10 + size };
}

/** A frame's header: the chunk key, the sample count, the payload's length. */
export function encodeFrameHeader(key: readonly number[], samples: number, payloadBytes: number): Uint8Array {
  const header = new Int32Array(7);
  header.set(key);
  header[5] = samples;
  header[6] = payloadBytes;
  return new Uint8Array(header.buffer);
}

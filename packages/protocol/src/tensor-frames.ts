// Raw tensor frames: typed arrays travel as little-endian bytes, never through msgpack.
// Sending wraps the array's own memory (zeromq.js then sends frames over 128 bytes without
// copying); receiving views the frame in place when its address is 4-byte aligned, and copies
// only when it is not (a Float32Array cannot start at an odd byte offset).
import { endianness } from 'node:os';

const HOST_IS_LE = endianness() === 'LE';

/** Bytes of a typed array as a Buffer over the same memory (no copy on little-endian hosts). */
export function frameOf(values: Float32Array | Int32Array | Uint8Array): Buffer {
  if (values instanceof Uint8Array) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (HOST_IS_LE) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.allocUnsafe(values.byteLength);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i], true);
    else view.setInt32(i * 4, values[i], true);
  }
  return out;
}

function viewAs<T extends Float32Array | Int32Array>(
  bytes: Uint8Array,
  make: (buffer: ArrayBufferLike, offset: number, length: number) => T,
  alloc: (length: number) => T,
  read: (view: DataView, at: number) => number,
): T {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`a 4-byte tensor frame cannot be ${bytes.byteLength} bytes long`);
  const length = bytes.byteLength / 4;
  if (HOST_IS_LE) {
    if (bytes.byteOffset % 4 === 0) return make(bytes.buffer, bytes.byteOffset, length);
    const copy = alloc(length);
    new Uint8Array(copy.buffer).set(bytes);
    return copy;
  }
  const out = alloc(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < length; i++) out[i] = read(view, i * 4);
  return out;
}

/** A Float32Array over a received little-endian frame; a view when aligned, else a copy. */
export function float32Of(bytes: Uint8Array): Float32Array {
  return viewAs(
    bytes,
    (b, o, n) => new Float32Array(b, o, n),
    (n) => new Float32Array(n),
    (v, at) => v.getFloat32(at, true),
  );
}

/** An Int32Array over a received little-endian frame; a view when aligned, else a copy. */
export function int32Of(bytes: Uint8Array): Int32Array {
  return viewAs(
    bytes,
    (b, o, n) => new Int32Array(b, o, n),
    (n) => new Int32Array(n),
    (v, at) => v.getInt32(at, true),
  );
}

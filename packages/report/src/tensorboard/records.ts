// TFRecord framing, as TensorFlow's record writer lays it out: the length as a little-endian
// uint64, the masked CRC32C of those 8 bytes, the data, the masked CRC32C of the data. CRC32C
// comes from crc-32's crc32c (pure JavaScript, well kept); the mask is TensorFlow's.
import CRC32C from 'crc-32/crc32c.js';

const MASK_DELTA = 0xa282ead8;

/** TensorFlow's masked CRC32C: rotate right by 15 bits, add a constant (all uint32). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = CRC32C.buf(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** One framed record holding `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([header, data, footer]);
}

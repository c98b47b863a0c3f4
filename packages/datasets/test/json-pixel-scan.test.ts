import { describe, expect, it } from 'vitest';
import { scanByteRows, scanRoundedUnitBytes } from '../src/json-pixel-scan.js';
import { firstOccurrenceRows } from '../src/unique-rows.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('scanByteRows (fashion-mnist file format)', () => {
  it('reads rows of bytes and skips empty rows', () => {
    const r = scanByteRows(bytes('{"data":[[0,1,255],[ 9 , 10,11 ],[]]}\n'), 3, 'f.json');
    expect([...r.pixels]).toEqual([0, 1, 255, 9, 10, 11]);
    expect([r.rows, r.emptyRows]).toEqual([2, 1]);
  });

  it('names the file and byte offset of malformed content', () => {
    expect(() => scanByteRows(bytes('{"data":[[0,1],[2,3,4]]}'), 3, 'f.json')).toThrow(
      'f.json is not in the expected format: an image row of 2 values instead of 3 at byte 13.',
    );
    expect(() => scanByteRows(bytes('{"data":[[0,256,1]]}'), 3, 'f.json')).toThrow(/a pixel value above 255/);
    expect(() => scanByteRows(bytes('{"data":[[0,1.5,1]]}'), 3, 'f.json')).toThrow(/unexpected character "\."/);
    expect(() => scanByteRows(bytes('{"data":[[0,,1]]}'), 3, 'f.json')).toThrow(/a comma without a value before it at byte 12/);
    expect(() => scanByteRows(bytes('{"data":[[0,1,2,]]}'), 3, 'f.json')).toThrow(/a comma without a value after it/);
    expect(() => scanByteRows(bytes('{"data":[[0,1 2]]}'), 3, 'f.json')).toThrow(/two values without a comma/);
    expect(() => scanByteRows(bytes('{"data":[[0,1,2],[3'), 3, 'f.json')).toThrow(/ends before the data array is closed/);
    expect(() => scanByteRows(bytes('{"pixels":[]}'), 3, 'f.json')).toThrow(/expected \{"data": \[ at the start/);
    expect(() => scanByteRows(bytes('{"data":[[0,1,2]]}x'), 3, 'f.json')).toThrow(/unexpected trailing data at byte 18/);
    expect(() => scanByteRows(bytes('{"data":[[0,1,2]], "x": 1}'), 3, 'f.json')).toThrow(/expected \} after the data array/);
  });
});

describe('scanRoundedUnitBytes (mnist file format)', () => {
  it('recovers k from k/255 rounded to three decimals, for every k', () => {
    const text = Array.from({ length: 256 }, (_, k) => String(Math.round((k * 1000) / 255) / 1000)).join(',');
    expect([...scanRoundedUnitBytes(bytes(`{ "data": [${text}] }`), 'd.json')]).toEqual([...Array(256).keys()]);
  });

  it('rejects values that are not such a rounding', () => {
    expect(() => scanRoundedUnitBytes(bytes('{"data":[0,0.1]}'), 'd.json')).toThrow(
      'd.json is not in the expected format: the value 0.1, which is not k/255 rounded to three decimals at byte 11.',
    );
    expect(() => scanRoundedUnitBytes(bytes('{"data":[0.0039]}'), 'd.json')).toThrow(/more than three decimals/);
    expect(() => scanRoundedUnitBytes(bytes('{"data":[2]}'), 'd.json')).toThrow(/a value above 1/);
    expect(() => scanRoundedUnitBytes(bytes('{"data":[-0.5]}'), 'd.json')).toThrow(/unexpected character "-"/);
  });
});

describe('firstOccurrenceRows', () => {
  it('keeps the first copy of each distinct row, in row order', () => {
    const rows = Uint8Array.of(1, 2, 3, 4, 1, 2, 5, 6, 3, 4, 1, 2);
    expect([...firstOccurrenceRows(rows, 2)]).toEqual([0, 1, 3]);
    // Random rows: result must equal a naive string-set computation.
    const n = 2000;
    const data = Uint8Array.from({ length: n * 3 }, (_, i) => (Math.imul(i, 2654435761) >>> 29) & 3);
    const seen = new Set<string>();
    const expected: number[] = [];
    for (let r = 0; r < n; r++) {
      const k = data.subarray(r * 3, r * 3 + 3).join();
      if (!seen.has(k)) {
        seen.add(k);
        expected.push(r);
      }
    }
    expect([...firstOccurrenceRows(data, 3)]).toEqual(expected);
  });
});

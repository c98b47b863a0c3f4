import { describe, expect, it } from 'vitest';
import { keyedNormal, keyedUniform, NoiseKeyError, type NoiseKey } from '../../src/noise/index.js';

const key: NoiseKey = { seed: 1234, step: 7, phase: 'd', stream: 'latent' };

function range(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, k) => start + k);
}

function moments(values: Float32Array): { mean: number; variance: number; skew: number; kurtosis: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of values) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= values.length;
  m3 /= values.length;
  m4 /= values.length;
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

describe('keyed noise', () => {
  it.each([
    ['normal', keyedNormal],
    ['uniform', keyedUniform],
  ] as const)('%s: a batch split in two halves (or shuffled) draws exactly the whole batch noise', (_, draw) => {
    const dim = 7; // not a multiple of 4: exercises the partial last block
    const whole = draw(key, range(100, 164), dim);
    const first = draw(key, range(100, 130), dim);
    const second = draw(key, range(130, 164), dim);
    const joined = new Float32Array(whole.length);
    joined.set(first, 0);
    joined.set(second, first.length);
    expect(joined).toEqual(whole);
    // Row order in the request does not matter either: row r depends only on indices[r].
    const reversed = draw(key, range(100, 164).reverse(), dim);
    for (let r = 0; r < 64; r++) {
      expect(reversed.subarray(r * dim, (r + 1) * dim)).toEqual(whole.subarray((63 - r) * dim, (64 - r) * dim));
    }
  });

  it('follows the documented algorithm exactly (values of an independent big-integer Python implementation)', () => {
    // Computed with Python ints and math.log/cos/sin from the algorithm in src/noise/keyed.ts's
    // header, with the Philox of the Random123 known answers: these pin the reproducibility contract.
    expect(Array.from(keyedNormal({ seed: 0, step: 0, phase: 'd', stream: 'latent' }, [0, 1], 3))).toEqual([
      -1.0004494190216064, 0.47451964020729065, -0.7110603451728821, -0.6277033090591431, -0.5852509140968323,
      0.12110374867916107,
    ]);
    expect(Array.from(keyedUniform({ seed: 42, step: 3, phase: 'vae', stream: 'binarize' }, [7], 5))).toEqual([
      0.3927023410797119, 0.7782209515571594, 0.2158166766166687, 0.1978868842124939, 0.2400881052017212,
    ]);
  });

  it('a row with a longer dimension extends the shorter one (blocks are per row)', () => {
    const short = keyedNormal(key, [5, 9], 6);
    const long = keyedNormal(key, [5, 9], 10);
    expect(long.subarray(0, 6)).toEqual(short.subarray(0, 6));
    expect(long.subarray(10, 16)).toEqual(short.subarray(6, 12));
  });

  it('seed, step, phase and stream each select a different stream', () => {
    const base = keyedUniform(key, range(0, 16), 4);
    for (const other of [
      { ...key, seed: 1235 },
      { ...key, seed: 1234 + 2 ** 32 },
      { ...key, step: 8 },
      { ...key, phase: 'g' },
      { ...key, stream: 'eps' },
    ]) {
      const drawn = keyedUniform(other, range(0, 16), 4);
      let equal = 0;
      for (let k = 0; k < base.length; k++) if (drawn[k] === base[k]) equal++;
      expect(equal).toBeLessThan(2);
    }
  });

  it('normals have mean 0, variance 1, no skew and kurtosis 3', () => {
    const values = keyedNormal(key, range(0, 5000), 20); // 100k draws
    const m = moments(values);
    // Standard errors at n = 1e5: mean 0.003, variance 0.0045, skew 0.008, kurtosis 0.015.
    expect(Math.abs(m.mean)).toBeLessThan(0.015);
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.025);
    expect(Math.abs(m.skew)).toBeLessThan(0.04);
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(0.08);
    // Tail mass beyond 2 sigma is 4.55% for a normal.
    let tail = 0;
    for (const v of values) if (Math.abs(v) > 2) tail++;
    expect(Math.abs(tail / values.length - 0.0455)).toBeLessThan(0.004);
  });

  it('uniforms lie in [0, 1) with mean 1/2, variance 1/12 and flat deciles', () => {
    const values = keyedUniform({ ...key, stream: 'gp-alpha' }, range(0, 5000), 20);
    const m = moments(values);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(0.002);
    const deciles = new Array<number>(10).fill(0);
    let outside = 0;
    for (const v of values) {
      if (!(v >= 0 && v < 1)) outside++;
      else deciles[Math.floor(v * 10)]++;
    }
    expect(outside).toBe(0);
    // Chi-square with 9 degrees of freedom: 99.9% quantile is 27.9.
    const expected = values.length / 10;
    const chi2 = deciles.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('rejects bad keys, indices and dimensions with a sentence naming the field', () => {
    expect(() => keyedNormal({ ...key, seed: -1 }, [0], 2)).toThrow(/seed must be an integer in \[0, 2\^53\)/);
    expect(() => keyedNormal({ ...key, seed: 1.5 }, [0], 2)).toThrow(NoiseKeyError);
    expect(() => keyedNormal({ ...key, step: 2 ** 32 }, [0], 2)).toThrow(/step must be an integer in \[0, 2\^32\)/);
    expect(() => keyedNormal({ ...key, stream: '' }, [0], 2)).toThrow(/stream must be a non-empty string/);
    expect(() => keyedUniform(key, [0, -3], 2)).toThrow(/position 1 must be an integer in \[0, 2\^32\), got -3/);
    expect(() => keyedUniform(key, [0], 0)).toThrow(/dimension must be a positive integer/);
  });
});

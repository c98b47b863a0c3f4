import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';

// Every case runs the same kernel on the pure-JS cpu backend (the reference) and on wasm with
// dgm's kernels, on small random shapes so the whole file takes seconds.

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  /** Only with a numeric pad, as tfjs allows. */
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Small deterministic generator so a failing case can be reproduced from its printed description. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(rand: () => number): Case {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  for (;;) {
    const strides: [number, number] = [int(1, 3), int(1, 3)];
    const dilations: [number, number] = [rand() < 0.3 ? 2 : 1, rand() < 0.3 ? 2 : 1];
    const kh = int(1, 4);
    const kw = int(1, 4);
    const roll = rand();
    const pad: Pad =
      roll < 0.3 ? 'same' : roll < 0.55 ? 'valid' : roll < 0.7 ? int(0, 2) : [[0, 0], [int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)], [0, 0]];
    // Channels straddle the kernels' path switches (ci < 8: union conv; kh*kw*ci <= co: im2col).
    const c: Case = { n: int(1, 3), h: int(3, 9), w: int(3, 9), ci: int(1, 10), co: int(1, 18), kh, kw, strides, dilations, pad };
    if (typeof pad === 'number') c.dimRoundingMode = (['floor', 'round', 'ceil'] as const)[int(0, 2)];
    const info = geometry(c);
    if (info.outHeight >= 1 && info.outWidth >= 1) return c;
  }
}

function geometry(c: Case): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.kh, c.kw, c.ci, c.co], c.strides, c.dilations, c.pad, c.dimRoundingMode);
}

function describeCase(c: Case): string {
  return JSON.stringify(c);
}

/** The dilated filter as an ordinary one with zeros between taps (how the cpu reference sees it). */
function dilate(f: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, ci, co] = f.shape;
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  const src = f.dataSync();
  const out = new Float32Array(eh * ew * ci * co);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      out.set(src.subarray((y * kw + x) * ci * co, (y * kw + x + 1) * ci * co), (y * dh * ew + x * dw) * ci * co);
  return tf.tensor4d(out, [eh, ew, ci, co]);
}

function undilate(g: Float32Array, [eh, ew, ci, co]: number[], [dh, dw]: [number, number], kh: number, kw: number): Float32Array {
  const out = new Float32Array(kh * kw * ci * co);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) {
      const from = (y * dh * ew! + x * dw) * ci! * co!;
      out.set(g.subarray(from, from + ci! * co!), (y * kw + x) * ci! * co!);
    }
  void eh;
  return out;
}

function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let maxDiff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return maxDiff / scale;
}

interface Data {
  x: Float32Array;
  filter: Float32Array;
  dy: Float32Array;
}

function dataFor(c: Case, rand: () => number): Data {
  const info = geometry(c);
  const fill = (size: number) => Float32Array.from({ length: size }, () => rand() * 2 - 1);
  return { x: fill(c.n * c.h * c.w * c.ci), filter: fill(c.kh * c.kw * c.ci * c.co), dy: fill(info.outShape.reduce((a, b) => a * b, 1)) };
}

function outShape(c: Case): [number, number, number, number] {
  return geometry(c).outShape as [number, number, number, number];
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const out = tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

/** Reference on cpu: dilation folded into a zero-inserted filter, which the cpu kernels handle. */
function cpuReference(c: Case, d: Data): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const filter = dilate(tf.tensor4d(d.filter, [c.kh, c.kw, c.ci, c.co]), c.dilations);
    const x = tf.tensor4d(d.x, [c.n, c.h, c.w, c.ci]);
    const dy = tf.tensor4d(d.dy, outShape(c));
    const common = { strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode, dataFormat: 'NHWC' };
    const dx = runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape });
    const dwDilated = runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape });
    return { dx, dw: undilate(dwDilated, filter.shape, c.dilations, c.kh, c.kw) };
  });
}

function wasmResult(c: Case, d: Data): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const filter = tf.tensor4d(d.filter, [c.kh, c.kw, c.ci, c.co]);
    const x = tf.tensor4d(d.x, [c.n, c.h, c.w, c.ci]);
    const dy = tf.tensor4d(d.dy, outShape(c));
    const common = { strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode, dilations: c.dilations, dataFormat: 'NHWC' };
    const dx = runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape });
    const dw = runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape });
    return { dx, dw };
  });
}

describe('wasm training kernels: Conv2DBackpropInput and Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('match the cpu backend on random shapes, strides, paddings and dilations', async () => {
    const rand = rng(20261122);
    for (let i = 0; i < 80; i++) {
      const c = randomCase(rand);
      const d = dataFor(c, rand);
      await tf.setBackend('cpu');
      const ref = cpuReference(c, d);
      await tf.setBackend('wasm');
      const got = wasmResult(c, d);
      expect(relError(got.dx, ref.dx), `dx ${describeCase(c)}`).toBeLessThanOrEqual(1e-4);
      expect(relError(got.dw, ref.dw), `dw ${describeCase(c)}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('match on the DCGAN layer geometry (k4 s2 same) on every internal path', async () => {
    const rand = rng(7);
    const cases: Case[] = [
      // ci >= 8: one conv per phase; patch 128 > co: swapped conv for the filter.
      { n: 2, h: 14, w: 14, ci: 8, co: 16, kh: 4, kw: 4, strides: [2, 2], dilations: [1, 1], pad: 'same' },
      // ci = 1: union conv; patch 16 <= co: im2col + matmul for the filter.
      { n: 2, h: 28, w: 28, ci: 1, co: 16, kh: 4, kw: 4, strides: [2, 2], dilations: [1, 1], pad: 'same' },
      // ci = 3, unequal strides: union conv with a non-square phase grid; patch 48 > co.
      { n: 1, h: 11, w: 10, ci: 3, co: 5, kh: 4, kw: 3, strides: [2, 3], dilations: [1, 1], pad: 'valid' },
    ];
    for (const c of cases) {
      const d = dataFor(c, rand);
      await tf.setBackend('cpu');
      const ref = cpuReference(c, d);
      await tf.setBackend('wasm');
      const got = wasmResult(c, d);
      expect(relError(got.dx, ref.dx), `dx ${describeCase(c)}`).toBeLessThanOrEqual(1e-4);
      expect(relError(got.dw, ref.dw), `dw ${describeCase(c)}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('give conv2d and conv2dTranspose the same gradients as cpu through tf.grads', async () => {
    const rand = rng(11);
    const fill = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
    const x = fill([2, 9, 9, 3]);
    const w1 = fill([3, 3, 3, 4]);
    const w2 = fill([4, 4, 2, 4]);
    const grads = () =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const h = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'); // [2,5,5,4]
          const up = tf.conv2dTranspose(h, c as tf.Tensor4D, [2, 10, 10, 2], 2, 'same');
          return tf.sum(tf.mul(up, up));
        };
        const g = tf.grads(f)([tf.tensor4d(x, [2, 9, 9, 3]), tf.tensor4d(w1, [3, 3, 3, 4]), tf.tensor4d(w2, [4, 4, 2, 4])]);
        return g.map((t) => t.dataSync() as Float32Array);
      });
    await tf.setBackend('cpu');
    const ref = grads();
    await tf.setBackend('wasm');
    const got = grads();
    for (let i = 0; i < ref.length; i++) expect(relError(got[i]!, ref[i]!), `gradient ${i}`).toBeLessThanOrEqual(1e-4);
  });

  it('leave no tensor or data buffer behind', async () => {
    await tf.setBackend('wasm');
    const rand = rng(3);
    const cases: Case[] = [
      { n: 2, h: 8, w: 8, ci: 3, co: 4, kh: 4, kw: 4, strides: [2, 2], dilations: [1, 1], pad: 'same' },
      { n: 1, h: 7, w: 6, ci: 2, co: 3, kh: 3, kw: 2, strides: [3, 2], dilations: [1, 1], pad: 'valid' },
      { n: 1, h: 7, w: 7, ci: 2, co: 3, kh: 3, kw: 3, strides: [1, 1], dilations: [2, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
      { n: 1, h: 5, w: 5, ci: 2, co: 2, kh: 1, kw: 1, strides: [3, 3], dilations: [1, 1], pad: 'same' },
    ];
    const d = cases.map((c) => dataFor(c, rand));
    wasmResult(cases[0]!, d[0]!); // warm-up: kernels set up lazily
    const before = tf.memory();
    for (let i = 0; i < cases.length; i++) wasmResult(cases[i]!, d[i]!);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('reject NCHW and mismatched shapes with a message naming the problem', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 2, 2, 3]);
    const filter = tf.zeros([2, 2, 2, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'valid', dataFormat: 'NCHW', filterShape: [2, 2, 2, 3] } as never)).toThrow(
      /supports dataFormat 'NHWC' only/,
    );
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 2, 3] } as never)).toThrow(
      /dy has shape \[1, 2, 2, 3\]/,
    );
    expect(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 2, pad: 'valid', dataFormat: 'NHWC', inputShape: [1, 4, 4, 5] } as never)).toThrow(
      /input has 5 channels/,
    );
    tf.dispose([x, dy, filter]);
  });
});

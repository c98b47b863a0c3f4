// DiffAugment: the transform against a plain loop, its gradient against the loop's adjoint, and
// the keyed draws (ranges, every value reachable, a sample's draw independent of its batch).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AugmentInputError, augmentDraws, augmentSizes, diffAugment, type AugmentDraw, type AugmentName } from '../../src/augment/index.js';
import { initBackend } from '../../src/backend/index.js';

beforeAll(async () => {
  await initBackend('wasm');
});

type Shape = [number, number, number, number];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const BORDER = -1;
const CUT = -2;

/**
 * For every output value (flat NHWC index), the flat index of the input value it copies, or
 * BORDER (it becomes -1) or CUT (it becomes 0): the per-pixel definition of the transforms.
 */
function sources(shape: Shape, names: readonly AugmentName[], draws: AugmentDraw[]): Int32Array {
  const [n, h, w, c] = shape;
  const { cutH, cutW } = augmentSizes(h, w);
  const map = new Int32Array(n * h * w * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const d = draws[b];
        const cut = names.includes('cutout') && y >= d.top && y < d.top + cutH && x >= d.left && x < d.left + cutW;
        const [sy, sx] = names.includes('translation') ? [y - d.dy, x - d.dx] : [y, x];
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (let k = 0; k < c; k++) map[((b * h + y) * w + x) * c + k] = cut ? CUT : inside ? ((b * h + sy) * w + sx) * c + k : BORDER;
      }
  return map;
}

function reference(x: Float32Array, map: Int32Array): Float32Array {
  return Float32Array.from(map, (src) => (src === CUT ? 0 : src === BORDER ? -1 : x[src]));
}

/** The adjoint of the copy: d/dx of sum(weights * aug(x)) adds each output's weight to its source. */
function referenceGradient(weights: Float32Array, map: Int32Array): Float32Array {
  const grad = new Float32Array(weights.length);
  map.forEach((src, o) => {
    if (src >= 0) grad[src] += weights[o];
  });
  return grad;
}

function randomDraws(n: number, h: number, w: number, seed: number): AugmentDraw[] {
  return augmentDraws({ seed, step: 3, phase: 'd', stream: 'augment-real' }, Int32Array.from({ length: n }, (_, i) => 10 * i + 1), h, w);
}

const SHAPES: Shape[] = [
  [6, 28, 28, 1],
  [4, 32, 32, 3],
  [5, 7, 9, 2],
];
const POLICIES: AugmentName[][] = [['translation'], ['cutout'], ['translation', 'cutout']];

describe('diffAugment', () => {
  for (const shape of SHAPES) {
    for (const names of POLICIES) {
      it(`matches the per-pixel definition and its adjoint: ${names.join('+')} on [${shape.join(', ')}]`, () => {
        const [n, h, w] = shape;
        const draws = randomDraws(n, h, w, shape[1] + names.length);
        const x = tf.randomUniform(shape, -1, 1, 'float32', 5) as tf.Tensor4D;
        const weights = tf.randomUniform(shape, -1, 1, 'float32', 6) as tf.Tensor4D;
        const y = diffAugment(x, names, draws);
        const xv = x.dataSync() as Float32Array;
        const map = sources(shape, names, draws);
        // Translation shifts x + 1 and subtracts 1 again: float32 rounding, nothing more.
        expect(maxAbsDiff(y.dataSync() as Float32Array, reference(xv, map))).toBeLessThan(1e-6);
        // Something moved: the test would pass on an identity otherwise.
        expect(maxAbsDiff(y.dataSync() as Float32Array, xv)).toBeGreaterThan(0.1);
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(diffAugment(t as tf.Tensor4D, names, draws), weights)))(x);
        const expected = referenceGradient(weights.dataSync() as Float32Array, map);
        expect(maxAbsDiff(grad.dataSync() as Float32Array, expected)).toBeLessThan(1e-5);
        tf.dispose([x, weights, y, grad]);
      });
    }
  }

  it('returns a copy of x for an empty policy, and leaves tf.memory() flat', () => {
    const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const draws = randomDraws(2, 8, 8, 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const y = diffAugment(x, ['translation', 'cutout'], draws);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const same = diffAugment(x, [], draws);
    expect(same).not.toBe(x);
    expect(Array.from(same.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, same]);
  });

  it('refuses, with an input error, a draw count that is not the batch size, unknown names and non-images', () => {
    const x = tf.zeros([3, 8, 8, 1]) as tf.Tensor4D;
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(AugmentInputError);
        return (error as Error).message;
      }
      throw new Error('expected an AugmentInputError');
    };
    expect(refusal(() => diffAugment(x, ['cutout'], randomDraws(2, 8, 8, 1)))).toBe('diffAugment needs one draw per image: 2 draws for 3 images.');
    expect(refusal(() => diffAugment(x, ['flip' as AugmentName], randomDraws(3, 8, 8, 1)))).toBe('diffAugment knows the transforms translation, cutout, not flip.');
    const flat = tf.zeros([3, 64]);
    expect(refusal(() => diffAugment(flat as never, ['cutout'], randomDraws(3, 8, 8, 1)))).toBe('diffAugment needs a live 4-D tensor of images [n, h, w, c].');
    expect(refusal(() => augmentDraws({ seed: 1, step: 0, phase: 'd', stream: 'augment-real' }, Int32Array.from([0]), 0, 28))).toBe(
      'augmentDraws needs image sides that are positive integers, got 0 x 28.',
    );
    tf.dispose([x, flat]);
  });
});

describe('augmentDraws', () => {
  it("follows DiffAugment's sizes: shift up to 1/8 of the side, cutout half the side", () => {
    expect(augmentSizes(28, 28)).toEqual({ shiftY: 4, shiftX: 4, cutH: 14, cutW: 14 });
    expect(augmentSizes(32, 32)).toEqual({ shiftY: 4, shiftX: 4, cutH: 16, cutW: 16 });
    expect(augmentSizes(4, 2)).toEqual({ shiftY: 1, shiftX: 1, cutH: 2, cutW: 1 });
  });

  it('covers every shift and cutout position in range, about uniformly, and nothing outside', () => {
    const n = 9000;
    const draws = augmentDraws({ seed: 7, step: 0, phase: 'g', stream: 'augment-fake' }, Int32Array.from({ length: n }, (_, i) => i), 28, 28);
    const count = (pick: (d: AugmentDraw) => number) => {
      const m = new Map<number, number>();
      for (const d of draws) m.set(pick(d), (m.get(pick(d)) ?? 0) + 1);
      return m;
    };
    const shifts = count((d) => d.dy);
    expect([...shifts.keys()].sort((a, b) => a - b)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    for (const c of shifts.values()) expect(Math.abs(c - n / 9)).toBeLessThan(150); // ~5 sigma
    const tops = count((d) => d.top);
    // DiffAugment's offset range: side + 1 - (cut % 2) = 29 centres for an even cut of 14, so
    // the top row runs from -7 to 21 (the square then hangs over an edge by up to half its side).
    expect(Math.min(...tops.keys())).toBe(-7);
    expect(Math.max(...tops.keys())).toBe(21);
    expect(tops.size).toBe(29);
    expect(new Set(draws.map((d) => d.dx)).size).toBe(9);
    expect(new Set(draws.map((d) => d.left)).size).toBe(29);
  });

  it("keys a sample's draw by its global index, not by its place in the batch", () => {
    const key = { seed: 3, step: 12, phase: 'd', stream: 'augment-real' };
    const whole = augmentDraws(key, Int32Array.from([5, 9, 40, 41]), 28, 28);
    const part = augmentDraws(key, Int32Array.from([41, 9]), 28, 28);
    expect(part).toEqual([whole[3], whole[1]]);
    const otherStream = augmentDraws({ ...key, stream: 'augment-fake' }, Int32Array.from([5, 9, 40, 41]), 28, 28);
    const otherStep = augmentDraws({ ...key, step: 13 }, Int32Array.from([5, 9, 40, 41]), 28, 28);
    expect(otherStream).not.toEqual(whole);
    expect(otherStep).not.toEqual(whole);
  });
});

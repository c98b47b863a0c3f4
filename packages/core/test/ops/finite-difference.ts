// Central finite differences for checking tfjs gradients in float32. The function under test is
// evaluated in float32 by tfjs; the differences and errors are formed in float64 here.
import * as tf from '@tensorflow/tfjs';

/** Evaluates a scalar-valued tensor function and returns its value as a JS number, leaking nothing. */
export function scalarOf(f: () => tf.Tensor): number {
  const t = tf.tidy(f);
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
}

/** (f(x + h e_i) - f(x - h e_i)) / 2h for each coordinate i in `coords` of a flat parameter vector. */
export function centralDifferences(
  f: (params: Float32Array) => number,
  params: Float32Array,
  coords: readonly number[],
  h: number,
): number[] {
  return coords.map((i) => {
    const plus = Float32Array.from(params);
    const minus = Float32Array.from(params);
    plus[i] = (plus[i] as number) + h;
    minus[i] = (minus[i] as number) - h;
    // Divide by the step actually taken after float32 rounding, not the nominal one.
    const step = (plus[i] as number) - (minus[i] as number);
    return (f(plus) - f(minus)) / step;
  });
}

/** Derivative of f along direction v (unit length is not required): (f(x + h v) - f(x - h v)) / 2h. */
export function directionalDifference(
  f: (params: Float32Array) => number,
  params: Float32Array,
  v: Float32Array,
  h: number,
): number {
  const plus = params.map((p, i) => p + h * (v[i] as number));
  const minus = params.map((p, i) => p - h * (v[i] as number));
  return (f(plus) - f(minus)) / (2 * h);
}

/**
 * Largest |analytic - numeric| over the vector, relative to the largest |numeric| (so that
 * near-zero entries are judged on the scale of the whole gradient, not on their own).
 */
export function maxRelativeError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < numeric.length; i++) scale = Math.max(scale, Math.abs(numeric[i] as number));
  for (let i = 0; i < numeric.length; i++) {
    worst = Math.max(worst, Math.abs((analytic[i] as number) - (numeric[i] as number)));
  }
  return scale === 0 ? worst : worst / scale;
}

/** A small deterministic generator (mulberry32) so test inputs are fixed across runs. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

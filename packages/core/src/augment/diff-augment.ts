// Differentiable augmentation for the discriminator (DiffAugment, Zhao et al. 2020): every image
// D sees, real or generated, goes through the same kind of random transform, so D cannot
// memorise a small training set and G is still trained by gradients that pass through the
// transform. Only transforms that are exact, cheap and linear in the pixels are offered:
//   translation: shift by up to 1/8 of the side in each axis (integer pixels), the uncovered
//                border filled with -1, the bottom of the generator's range (MNIST's background);
//   cutout:      zero (mid-grey in [-1, 1]) one square of half the side, centred anywhere, clipped
//                at the border, as in DiffAugment.
// Both are functions of four keyed uniforms per sample (noise/keyed.ts), so a sample's transform
// depends on (seed, step, phase, stream, its global index) only: every replica computes the same
// one whatever the worker count. Translation is two batched matmuls with 0/1 shift matrices (rows,
// then columns), whose gradients the backends have and run fast.
import * as tf from '#tfjs';
import { keyedUniform, type NoiseKey } from '../noise/index.js';
import { AUGMENT_NAMES, type AugmentName } from '../names.js';
import { AugmentInputError } from './errors.js';

export { AUGMENT_NAMES, type AugmentName } from '../names.js';

/** Largest shift as a fraction of the side, and cutout side as a fraction (DiffAugment's defaults). */
export const TRANSLATION_RATIO = 1 / 8;
export const CUTOUT_RATIO = 1 / 2;

/** One sample's draw: shifts in pixels (down, right) and the cutout square's top-left corner. */
export interface AugmentDraw {
  dy: number;
  dx: number;
  top: number;
  left: number;
}

/** The largest shift for a side (at least 1 pixel) and the cutout side (at least 1). */
export function augmentSizes(height: number, width: number): { shiftY: number; shiftX: number; cutH: number; cutW: number } {
  return {
    shiftY: Math.max(1, Math.floor(height * TRANSLATION_RATIO + 0.5)),
    shiftX: Math.max(1, Math.floor(width * TRANSLATION_RATIO + 0.5)),
    cutH: Math.max(1, Math.floor(height * CUTOUT_RATIO + 0.5)),
    cutW: Math.max(1, Math.floor(width * CUTOUT_RATIO + 0.5)),
  };
}

/** The per-sample draws for `indices`, from uniforms u0..u3 of the keyed stream. */
export function augmentDraws(key: NoiseKey, indices: Int32Array, height: number, width: number): AugmentDraw[] {
  if (![height, width].every((side) => Number.isInteger(side) && side >= 1)) {
    throw new AugmentInputError(`augmentDraws needs image sides that are positive integers, got ${height} x ${width}.`);
  }
  const u = keyedUniform(key, indices, 4);
  const { shiftY, shiftX, cutH, cutW } = augmentSizes(height, width);
  const pick = (v: number, count: number) => Math.min(count - 1, Math.floor(v * count));
  const draws: AugmentDraw[] = [];
  for (let i = 0; i < indices.length; i++) {
    const [u0, u1, u2, u3] = [u[4 * i], u[4 * i + 1], u[4 * i + 2], u[4 * i + 3]] as [number, number, number, number];
    draws.push({
      dy: pick(u0, 2 * shiftY + 1) - shiftY,
      dx: pick(u1, 2 * shiftX + 1) - shiftX,
      // DiffAugment's centre range (side + 1 - cut % 2 values): the square may hang over an edge.
      top: pick(u2, height + 1 - (cutH % 2)) - Math.floor(cutH / 2),
      left: pick(u3, width + 1 - (cutW % 2)) - Math.floor(cutW / 2),
    });
  }
  return draws;
}

/** [n, side, side] 0/1 matrices M with (M x)[i] = x[i - shift] (zero where i - shift is outside). */
function shiftMatrices(shifts: readonly number[], side: number): tf.Tensor3D {
  const m = new Float32Array(shifts.length * side * side);
  shifts.forEach((shift, b) => {
    for (let i = 0; i < side; i++) {
      const j = i - shift;
      if (j >= 0 && j < side) m[(b * side + i) * side + j] = 1;
    }
  });
  return tf.tensor3d(m, [shifts.length, side, side]);
}

/** [n, h, w, 1] masks: 0 inside each sample's cutout square, 1 elsewhere. */
function cutoutMasks(draws: readonly AugmentDraw[], height: number, width: number): tf.Tensor4D {
  const { cutH, cutW } = augmentSizes(height, width);
  const m = new Float32Array(draws.length * height * width).fill(1);
  draws.forEach(({ top, left }, b) => {
    for (let y = Math.max(0, top); y < Math.min(height, top + cutH); y++) {
      m.fill(0, (b * height + y) * width + Math.max(0, left), (b * height + y) * width + Math.min(width, left + cutW));
    }
  });
  return tf.tensor4d(m, [draws.length, height, width, 1]);
}

/**
 * Applies `names` (in the order translation, cutout) to images x in [-1, 1], NHWC, with one draw
 * per sample. Differentiable in x; returns a new tensor (x is not disposed).
 */
export function diffAugment(x: tf.Tensor4D, names: readonly AugmentName[], draws: readonly AugmentDraw[]): tf.Tensor4D {
  if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.isDisposed) {
    throw new AugmentInputError('diffAugment needs a live 4-D tensor of images [n, h, w, c].');
  }
  const unknown = names.filter((name) => !(AUGMENT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new AugmentInputError(`diffAugment knows the transforms ${AUGMENT_NAMES.join(', ')}, not ${unknown.join(', ')}.`);
  }
  const [n, h, w, c] = x.shape;
  if (draws.length !== n) throw new AugmentInputError(`diffAugment needs one draw per image: ${draws.length} draws for ${n} images.`);
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (names.includes('translation')) {
      const rows = shiftMatrices(draws.map((d) => d.dy), h);
      const cols = shiftMatrices(draws.map((d) => d.dx), w);
      // Shift x + 1 (whose fill value is 0), then move back, so the border becomes -1.
      const lifted = tf.reshape(tf.add(y, 1), [n, h, w * c]);
      const shiftedRows = tf.reshape(tf.matMul(rows, lifted), [n, h, w, c]);
      const byColumn = tf.reshape(tf.transpose(shiftedRows, [0, 2, 1, 3]), [n, w, h * c]);
      const shifted = tf.transpose(tf.reshape(tf.matMul(cols, byColumn), [n, w, h, c]), [0, 2, 1, 3]);
      y = tf.sub(shifted, 1) as tf.Tensor4D;
    }
    if (names.includes('cutout')) y = tf.mul(y, cutoutMasks(draws, h, w)) as tf.Tensor4D;
    return y === x ? tf.clone(x) : y;
  });
}

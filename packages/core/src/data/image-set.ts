// In-memory image storage behind the ImageSet interface: one flat NHWC array, uint8 when the
// source is 8-bit (4x smaller than float32: Fashion-MNIST is 55 MB instead of 220 MB), converted
// to float32 in [0,1] only for the rows a step asks for.
import * as tf from '#tfjs';

/** A set of same-shaped images, materialised into float32 NHWC tensors on demand. */
export interface ImageSet {
  /** Number of images. */
  count: number;
  /** [height, width, channels] of every image. */
  imageShape: [number, number, number];
  /** Storage type: 'uint8' holds k/255 exactly as the byte k; 'float32' holds values in [0,1]. */
  dtype: 'uint8' | 'float32';
  /** Class label of each image (0..numClasses-1), when the source has labels. */
  labels?: Uint8Array;
  /** Images at `indices` as a float32 [n,h,w,c] tensor in [0,1]; the caller owns (disposes) it. */
  batch(indices: ArrayLike<number>): tf.Tensor4D;
  /** Labels of the images at `indices` (throws RangeError if the set has none). */
  labelsAt(indices: ArrayLike<number>): Uint8Array;
}

/** The exact float32 value of each byte k as k/255, so uint8 rows convert with one lookup. */
const BYTE_TO_UNIT = (() => {
  const table = new Float32Array(256);
  for (let k = 0; k < 256; k++) table[k] = k / 255;
  return table;
})();

/** ImageSet over one flat row-major NHWC array (uint8 bytes or float32 values in [0,1]). */
export class ArrayImageSet implements ImageSet {
  readonly count: number;
  readonly imageShape: [number, number, number];
  readonly dtype: 'uint8' | 'float32';
  readonly labels?: Uint8Array;
  /** Values per image (h*w*c). */
  readonly rowLength: number;
  /** The backing store; shared, do not modify. */
  readonly pixels: Uint8Array | Float32Array;

  constructor(
    pixels: Uint8Array | Float32Array,
    imageShape: [number, number, number],
    labels?: Uint8Array,
  ) {
    const rowLength = imageShape[0] * imageShape[1] * imageShape[2];
    if (!(rowLength > 0) || pixels.length % rowLength !== 0) {
      throw new RangeError(
        `pixel array of length ${pixels.length} is not a whole number of ${imageShape.join('x')} images.`,
      );
    }
    const count = pixels.length / rowLength;
    if (labels !== undefined && labels.length !== count) {
      throw new RangeError(`${labels.length} labels given for ${count} images.`);
    }
    this.pixels = pixels;
    this.imageShape = [imageShape[0], imageShape[1], imageShape[2]];
    this.rowLength = rowLength;
    this.count = count;
    this.dtype = pixels instanceof Uint8Array ? 'uint8' : 'float32';
    if (labels !== undefined) this.labels = labels;
  }

  /** Images at `indices` as a float32 [n,h,w,c] tensor in [0,1]; the caller disposes it. */
  batch(indices: ArrayLike<number>): tf.Tensor4D {
    const [h, w, c] = this.imageShape;
    return tf.tensor4d(this.rows(indices), [indices.length, h, w, c], 'float32');
  }

  /**
   * Images at `indices` as one flat float32 array in [0,1] (n*h*w*c values, NHWC), for code
   * that does not want a tensor. Writes into `out` when given (it must hold n*h*w*c values).
   */
  rows(indices: ArrayLike<number>, out?: Float32Array): Float32Array {
    const n = indices.length;
    const len = this.rowLength;
    const dst = out ?? new Float32Array(n * len);
    if (dst.length < n * len) {
      throw new RangeError(`output array holds ${dst.length} values, ${n * len} needed.`);
    }
    for (let r = 0; r < n; r++) {
      const src = this.checkIndex(indices[r]) * len;
      const at = r * len;
      if (this.pixels instanceof Uint8Array) {
        const px = this.pixels;
        for (let i = 0; i < len; i++) dst[at + i] = BYTE_TO_UNIT[px[src + i]];
      } else {
        dst.set(this.pixels.subarray(src, src + len), at);
      }
    }
    return dst;
  }

  /** Labels of the images at `indices` (throws if this set has no labels). */
  labelsAt(indices: ArrayLike<number>): Uint8Array {
    if (this.labels === undefined) throw new RangeError('this image set has no labels.');
    const out = new Uint8Array(indices.length);
    for (let r = 0; r < indices.length; r++) out[r] = this.labels[this.checkIndex(indices[r])];
    return out;
  }

  /** A new set holding copies of the images (and labels) at `indices`, in that order. */
  subset(indices: ArrayLike<number>): ArrayImageSet {
    const len = this.rowLength;
    const pixels =
      this.pixels instanceof Uint8Array
        ? new Uint8Array(indices.length * len)
        : new Float32Array(indices.length * len);
    for (let r = 0; r < indices.length; r++) {
      const src = this.checkIndex(indices[r]) * len;
      pixels.set(this.pixels.subarray(src, src + len), r * len);
    }
    return new ArrayImageSet(
      pixels,
      this.imageShape,
      this.labels === undefined ? undefined : this.labelsAt(indices),
    );
  }

  private checkIndex(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`image index must be an integer in [0, ${this.count}), got ${String(i)}.`);
    }
    return i;
  }
}

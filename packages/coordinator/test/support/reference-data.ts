// The data a single-process reference trains on, computed here from the written specification
// (README "Datasets": a fixed 80/20 split of an .npy file, seeded by a constant of the dataset,
// never the training seed; core's data/sampler.ts header: epoch e visits the training set in the
// order of a permutation seeded by (run seed, e), step s takes the window [s*B, (s+1)*B)) and
// NOT by calling core's loadDataset/EpochSampler: a reference that reuses the code under test
// agrees with it even when both are wrong (the split once followed the training seed in the
// reference and in the run alike, and no test noticed).
//
// The permutation is written out again from the published algorithms core names: Wellons'
// lowbias32 to hash the key words, Doty-Humphrey's sfc32, rejection-sampled bounds and a
// Durstenfeld shuffle. The constants are the documented ones of core/src/data (prng.ts, split.ts,
// sampler.ts); they are a format, like a file's magic number, so copying them is the point.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';

const SPLIT_TAG = 0x53504c54; // "SPLT"
const EPOCH_TAG = 0x45504f43; // "EPOC"
const SPLIT_SEED = 0x5eed; // the dataset constant; the training seed plays no part
const TWO_POW_32 = 2 ** 32;

function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashKey(words: number[]): number {
  let h = 0x243f6a88;
  for (const w of words) h = lowbias32((h + lowbias32((w ^ 0x9e3779b9) >>> 0)) >>> 0);
  return h;
}

/** A permutation of 0..n-1 keyed by `words`: sfc32 + rejection sampling + Durstenfeld shuffle. */
function permutation(n: number, words: number[]): number[] {
  let a = hashKey([...words, 1]);
  let b = hashKey([...words, 2]);
  let c = hashKey([...words, 3]);
  let d = 1;
  const next = (): number => {
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next();
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const bound = i + 1;
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    let x = next();
    while (x >= limit) x = next();
    const j = x % bound;
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}

/** The training images of an `npy:` uint8 (N, H, W) file, as their source rows, in split order. */
export class ReferenceTrainSet {
  readonly rows: number[];
  private readonly pixels: Uint8Array;
  private readonly size: number;

  constructor(
    spec: string,
    private readonly shape: [number, number],
  ) {
    if (!spec.startsWith('npy:')) throw new Error(`the reference reads npy: files only, got ${spec}`);
    const bytes = readFileSync(spec.slice(4));
    const headerLength = bytes.readUInt16LE(8);
    const header = bytes.toString('latin1', 10, 10 + headerLength);
    const m = /'descr': '\|u1'.*'shape': \((\d+), (\d+), (\d+)\)/.exec(header);
    if (!m) throw new Error(`the reference reads uint8 (N, H, W) files only, got ${header}`);
    const [n, h, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (h !== shape[0] || w !== shape[1]) throw new Error(`file holds ${h}x${w} images, expected ${shape.join('x')}`);
    this.size = h * w;
    this.pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + 10 + headerLength, n * this.size);
    const testCount = Math.min(n - 1, Math.max(1, Math.floor(n / 5)));
    this.rows = permutation(n, [SPLIT_TAG, SPLIT_SEED, 0]).slice(testCount);
  }

  /** Training-set indices of global step `step` of a run with seed `seed` and global batch `batch`. */
  window(step: number, batch: number, seed: number): Int32Array {
    const perEpoch = Math.floor(this.rows.length / batch);
    const epoch = Math.floor(step / perEpoch);
    const at = (step % perEpoch) * batch;
    const order = permutation(this.rows.length, [EPOCH_TAG, seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0, epoch, 0]);
    return Int32Array.from(order.slice(at, at + batch));
  }

  /** The images of training-set indices as a [n, h, w, 1] float32 tensor of byte/255. */
  batch(indices: Int32Array): tf.Tensor4D {
    const out = new Float32Array(indices.length * this.size);
    indices.forEach((index, k) => {
      const row = this.rows[index];
      for (let p = 0; p < this.size; p++) out[k * this.size + p] = this.pixels[row * this.size + p] / 255;
    });
    return tf.tensor4d(out, [indices.length, this.shape[0], this.shape[1], 1]);
  }
}

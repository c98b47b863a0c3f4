// Which samples each step uses, and which part of them each worker computes. Isomorphic (no
// node imports) because the coordinator and every worker compute the same answer locally from
// (seed, epoch, step, rank, worldSize) instead of shipping index lists over the wire.
//
// Epoch e visits the training set in the order of a permutation seeded by (seed, e); step s of
// that epoch is the window perm[s*B, (s+1)*B) of the GLOBAL batch size B, whatever the number of
// workers; the window is then cut into contiguous, near-equal slices, one per live rank. So
// every sample of an epoch is used exactly once even when workers come and go between steps.
import { seededPermutation, seedWords } from './prng.js';

/** Domain tag mixed into epoch permutation seeds so they never coincide with split seeds. */
const EPOCH_STREAM_TAG = 0x45504f43; // ASCII "EPOC"

/** Options of {@link EpochSampler}. */
export interface EpochSamplerOptions {
  /** Number of samples in the (training) set. */
  count: number;
  /** Global batch size B: samples per step summed over all workers. */
  globalBatch: number;
  /** Run seed; epoch e uses the permutation seeded by (seed, e). */
  seed: number;
  /** Drop the last window of an epoch when it has fewer than B samples (default true). */
  dropLast?: boolean;
}

/** A resumable position: the next step to run is `step` of `epoch`. */
export interface EpochCursor {
  epoch: number;
  step: number;
}

/** Half-open range [start, end) of a window owned by one rank. */
export interface SliceRange {
  start: number;
  end: number;
}

/**
 * The part of a window of `windowLength` samples that `rank` of `worldSize` computes: contiguous,
 * disjoint, covering the window; the first (windowLength mod worldSize) ranks get one more sample.
 * Ranks beyond the window length get an empty range.
 */
export function sliceRange(windowLength: number, rank: number, worldSize: number): SliceRange {
  requireInteger('windowLength', windowLength, 0);
  requireInteger('worldSize', worldSize, 1);
  requireInteger('rank', rank, 0);
  if (rank >= worldSize) {
    throw new RangeError(`rank must be in [0, worldSize=${worldSize}), got ${rank}.`);
  }
  const base = Math.floor(windowLength / worldSize);
  const extra = windowLength % worldSize;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** Deterministic epoch permutations, global-batch windows and per-rank slices of them. */
export class EpochSampler {
  readonly count: number;
  readonly globalBatch: number;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Steps in one epoch: floor(count/B) when dropLast, else ceil(count/B). */
  readonly stepsPerEpoch: number;

  private readonly seedLo: number;
  private readonly seedHi: number;
  // A run reads windows of one epoch in a row: keep that epoch's permutation.
  private cachedEpoch = -1;
  private cachedPerm: Int32Array = new Int32Array(0);

  constructor(o: EpochSamplerOptions) {
    requireInteger('count', o.count, 1);
    requireInteger('globalBatch', o.globalBatch, 1);
    this.count = o.count;
    this.globalBatch = o.globalBatch;
    this.seed = o.seed;
    [this.seedLo, this.seedHi] = seedWords(o.seed);
    this.dropLast = o.dropLast ?? true;
    this.stepsPerEpoch = this.dropLast
      ? Math.floor(o.count / o.globalBatch)
      : Math.ceil(o.count / o.globalBatch);
    if (this.stepsPerEpoch === 0) {
      throw new RangeError(
        `globalBatch ${o.globalBatch} is larger than the ${o.count} samples available with ` +
          `dropLast: an epoch would have no step; use globalBatch <= ${o.count} or dropLast: false.`,
      );
    }
  }

  /** The visiting order of epoch `epoch` (a fresh copy: callers may modify it). */
  permutation(epoch: number): Int32Array {
    return this.epochPermutation(epoch).slice();
  }

  /** Global sample indices of step `step` of epoch `epoch` (B of them; fewer only for a kept last window). */
  window(epoch: number, step: number): Int32Array {
    const { start, end } = this.windowBounds(step);
    return this.epochPermutation(epoch).slice(start, end);
  }

  /** Number of samples in window `step` (B, except a kept partial last window). */
  windowLength(step: number): number {
    const { start, end } = this.windowBounds(step);
    return end - start;
  }

  /** The indices `rank` of `worldSize` computes at (epoch, step): see {@link sliceRange}. */
  slice(epoch: number, step: number, rank: number, worldSize: number): Int32Array {
    const w = this.windowBounds(step);
    const r = sliceRange(w.end - w.start, rank, worldSize);
    return this.epochPermutation(epoch).slice(w.start + r.start, w.start + r.end);
  }

  /** The cursor after `cursor`: the next step, rolling over to step 0 of the next epoch. */
  next(cursor: EpochCursor): EpochCursor {
    this.checkCursor(cursor);
    return cursor.step + 1 < this.stepsPerEpoch
      ? { epoch: cursor.epoch, step: cursor.step + 1 }
      : { epoch: cursor.epoch + 1, step: 0 };
  }

  /** (epoch, step) of a global step number counted from 0 at epoch 0 step 0. */
  cursorAt(globalStep: number): EpochCursor {
    requireInteger('globalStep', globalStep, 0);
    return {
      epoch: Math.floor(globalStep / this.stepsPerEpoch),
      step: globalStep % this.stepsPerEpoch,
    };
  }

  /** Global step number of a cursor (inverse of {@link cursorAt}). */
  globalStep(cursor: EpochCursor): number {
    this.checkCursor(cursor);
    return cursor.epoch * this.stepsPerEpoch + cursor.step;
  }

  private windowBounds(step: number): SliceRange {
    requireInteger('step', step, 0);
    if (step >= this.stepsPerEpoch) {
      throw new RangeError(`step must be in [0, stepsPerEpoch=${this.stepsPerEpoch}), got ${step}.`);
    }
    const start = step * this.globalBatch;
    return { start, end: Math.min(start + this.globalBatch, this.count) };
  }

  private epochPermutation(epoch: number): Int32Array {
    requireInteger('epoch', epoch, 0);
    if (epoch !== this.cachedEpoch) {
      this.cachedPerm = seededPermutation(this.count, [
        EPOCH_STREAM_TAG,
        this.seedLo,
        this.seedHi,
        epoch >>> 0,
        Math.floor(epoch / 0x1_0000_0000) >>> 0,
      ]);
      this.cachedEpoch = epoch;
    }
    return this.cachedPerm;
  }

  private checkCursor(c: EpochCursor): void {
    requireInteger('cursor.epoch', c.epoch, 0);
    requireInteger('cursor.step', c.step, 0);
    if (c.step >= this.stepsPerEpoch) {
      throw new RangeError(
        `cursor.step must be in [0, stepsPerEpoch=${this.stepsPerEpoch}), got ${c.step}.`,
      );
    }
  }
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}.`);
  }
}

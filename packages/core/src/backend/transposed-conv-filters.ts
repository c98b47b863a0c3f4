/**
 * Filters of the stride-1 convolutions that compute a conv's input gradient, built in JavaScript
 * from the conv's filter with its channel axes already swapped ([kh, kw, co, ci]).
 *
 * Filters are small next to activations, and building them here is a few block copies, where
 * the backend's Gather/StridedSlice/Reverse kernels cost milliseconds per call (per-element
 * JavaScript index arithmetic); every multiply-add still runs in XNNPACK.
 */

/** One phase's filter, [taps in y, taps in x, co, ci]: tap (i, j) is (rowTaps[i], colTaps[j]). */
export function phaseFilter(swapped: Float32Array, kw: number, block: number, rowTaps: number[], colTaps: number[]): Float32Array {
  const out = new Float32Array(rowTaps.length * colTaps.length * block);
  let at = 0;
  for (const ty of rowTaps) {
    for (const tx of colTaps) {
      const from = (ty * kw + tx) * block;
      out.set(swapped.subarray(from, from + block), at);
      at += block;
    }
  }
  return out;
}

/** Where one phase's taps sit inside the shared window of a union filter. */
export interface UnionPhase {
  rowTaps: number[];
  colTaps: number[];
  /** Window row/column of the phase's first tap. */
  rowOffset: number;
  colOffset: number;
}

/**
 * All phases in one filter [windowH, windowW, co, phases * ci] (phase-major output channels, in
 * the order given), zero where a phase has no tap: one convolution then yields every phase.
 */
export function unionFilter(
  swapped: Float32Array,
  kw: number,
  co: number,
  ci: number,
  windowH: number,
  windowW: number,
  phases: UnionPhase[],
): Float32Array {
  const outChannels = phases.length * ci;
  const out = new Float32Array(windowH * windowW * co * outChannels);
  phases.forEach((p, phase) => {
    p.rowTaps.forEach((ty, i) => {
      p.colTaps.forEach((tx, j) => {
        const src = (ty * kw + tx) * co * ci;
        const dst = ((p.rowOffset + i) * windowW + (p.colOffset + j)) * co * outChannels + phase * ci;
        for (let c = 0; c < co; c++) out.set(swapped.subarray(src + c * ci, src + (c + 1) * ci), dst + c * outChannels);
      });
    });
  });
  return out;
}

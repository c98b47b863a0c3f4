/**
 * Sub-pixel decomposition of a transposed convolution along one spatial axis.
 *
 * The input gradient of a conv with stride s, dilation d and leading pad p is
 *   dx[y] = sum over taps k with (y + p - k*d) divisible by s of dy[(y + p - k*d)/s] * w[k].
 * Splitting y by its phase r = y mod s (y = s*q + r) turns each phase into a plain stride-1
 * correlation of dy with a fixed subset of the taps, so no zeros are ever inserted into dy and
 * every multiply is useful. The phases are interleaved back afterwards.
 */
export interface AxisPhase {
  /** Filter taps used by this phase, in the order the stride-1 correlation visits them. */
  taps: number[];
  /** Dilation of the stride-1 correlation over dy. */
  dilation: number;
  /** First dy index read for q = 0 (may be negative: zero padding). */
  first: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** Phase plans for one axis: element r describes the outputs y with y mod stride = r. */
export function axisPhases(kernel: number, stride: number, dilation: number, padBefore: number): AxisPhase[] {
  const g = gcd(stride, dilation);
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const taps: number[] = [];
    // Descending k makes the dy index (r + p - k*d)/s ascend, as a correlation reads it.
    for (let k = kernel - 1; k >= 0; k--) if (mod(r + padBefore - k * dilation, stride) === 0) taps.push(k);
    phases.push({
      taps,
      dilation: dilation / g,
      first: taps.length > 0 ? (r + padBefore - taps[0]! * dilation) / stride : 0,
    });
  }
  return phases;
}

/** How to cut and pad dy along one axis so a stride-1 correlation yields the rows of a phase. */
export interface AxisWindow {
  begin: number;
  size: number;
  padBefore: number;
  padAfter: number;
}

/** Rows a correlation with this phase's taps spans in dy (0 when it has no taps). */
export function phaseSpan(phase: AxisPhase): number {
  return phase.taps.length === 0 ? 0 : (phase.taps.length - 1) * phase.dilation + 1;
}

/**
 * The dy window a stride-1 correlation reads to produce `outCount` rows, when its first row reads
 * dy[first .. first + span - 1]; null when that window never overlaps dy (the rows are all zero).
 */
export function correlationWindow(first: number, span: number, dyLength: number, outCount: number): AxisWindow | null {
  if (span === 0) return null;
  const needed = outCount - 1 + span; // padded rows the correlation reads
  const begin = Math.max(first, 0);
  const padBefore = Math.max(-first, 0);
  let size = dyLength - begin;
  let padAfter = needed - padBefore - size;
  if (padAfter < 0) {
    size += padAfter;
    padAfter = 0;
  }
  if (size <= 0) return null;
  return { begin, size, padBefore, padAfter };
}

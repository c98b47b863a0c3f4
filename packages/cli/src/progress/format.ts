// Pure text formatting of training progress, shared by the terminal bar and the plain log lines.

/** One step's progress as the reporter sees it. */
export interface StepProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  totalEpochs: number | null;
  losses: Record<string, number>;
  /** Images per second over the recent steps (global batch / step time). */
  imagesPerSec: number;
  /** Estimated seconds until the last step; NaN when unknown. */
  etaSeconds: number;
}

/** 75 → "1m15s", 3725 → "1h02m", NaN → "--". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** A loss value with four significant digits, without exponent noise for ordinary magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

/** "loss=98.31 kl=8.2" in the order the trainer reported them. */
export function formatLosses(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
}

function formatRate(imagesPerSec: number): string {
  if (!Number.isFinite(imagesPerSec) || imagesPerSec <= 0) return '-- img/s';
  return `${imagesPerSec >= 100 ? Math.round(imagesPerSec) : imagesPerSec.toFixed(1)} img/s`;
}

/**
 * "epoch 3/10": the step's epoch, counted from 0 as everywhere, of the run's total. The last step
 * of a run of N epochs ends epoch N-1, so its line says the run is through instead ("10/10 epochs
 * done"), not "epoch 9/10", which reads as a run stopped one short.
 */
function formatEpoch(p: StepProgress): string {
  if (!p.totalEpochs) return `epoch ${p.epoch}`;
  return p.step >= p.totalSteps ? `${p.totalEpochs}/${p.totalEpochs} epochs done` : `epoch ${p.epoch}/${p.totalEpochs}`;
}

/** A fixed-width bar: "[#######.........]". */
export function formatBar(fraction: number, width: number, color: boolean): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  const done = '#'.repeat(filled);
  const todo = '.'.repeat(width - filled);
  return color ? `[\x1b[32m${done}\x1b[2m${todo}\x1b[0m]` : `[${done}${todo}]`;
}

/** The terminal progress line, fitted to `columns` (the bar shrinks first, then the tail is cut). */
export function formatProgressLine(p: StepProgress, columns: number, color: boolean): string {
  const pct = p.totalSteps > 0 ? p.step / p.totalSteps : 0;
  const counter = `${p.step}/${p.totalSteps}`;
  const tail = `${formatEpoch(p)}  ${formatLosses(p.losses)}  ${formatRate(p.imagesPerSec)}  ETA ${formatDuration(p.etaSeconds)}`;
  // The bar's width depends on the terminal only, so it does not jitter as the numbers change.
  const barWidth = Math.max(0, Math.min(24, columns - 80));
  const bar = barWidth >= 8 ? `${formatBar(pct, barWidth, color)} ` : '';
  const line = `${bar}${counter}  ${tail}`;
  // Cut without counting escape codes: only the bar has them, and it is kept whole.
  const visible = line.replace(/\x1b\[[0-9;]*m/g, '');
  return visible.length > columns - 1 ? visible.slice(0, Math.max(10, columns - 1)) : line;
}

/** The periodic line written when the output is not a terminal. */
export function formatPlainLine(p: StepProgress): string {
  const pct = p.totalSteps > 0 ? Math.floor((100 * p.step) / p.totalSteps) : 0;
  return `step ${p.step}/${p.totalSteps} (${pct}%) ${formatEpoch(p)} ${formatLosses(p.losses)} ${formatRate(p.imagesPerSec)} eta ${formatDuration(p.etaSeconds)}`;
}

// Where the CLI's words go. Three modes:
//  - tty:   a progress bar redrawn in place on stderr; messages on stderr above it.
//  - plain: one progress line every few seconds on stderr (logs, CI, `| tee`).
//  - json:  one JSON object per line on stdout and nothing else, for programs.
// Results (the paths and numbers a run ends with) go to stdout in every mode.
import { formatPlainLine, formatProgressLine, type StepProgress } from './format.js';

export type OutputMode = 'tty' | 'plain' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

/** A writable text stream (process.stdout/stderr or a test buffer). */
export interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Picks the mode: --json wins; a bar only when both streams are terminals. */
export function chooseOutputMode(json: boolean, stdout: TextStream, stderr: TextStream): OutputMode {
  if (json) return 'json';
  return stdout.isTTY && stderr.isTTY ? 'tty' : 'plain';
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org). */
export function colorEnabled(mode: OutputMode, env: NodeJS.ProcessEnv): boolean {
  return mode === 'tty' && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/**
 * The reporter of one command run: the mode chosen from --json and the terminals, colour by
 * colorEnabled. Commands without a running progress bar (sample, eval) pass `progressBar: false`
 * and print plain lines on a terminal, uncoloured.
 */
export function commandReporter(
  json: boolean,
  io: { stdout: TextStream; stderr: TextStream; env: NodeJS.ProcessEnv },
  o: { progressBar: boolean } = { progressBar: true },
): Reporter {
  const chosen = chooseOutputMode(json, io.stdout, io.stderr);
  const mode = !o.progressBar && chosen === 'tty' ? 'plain' : chosen;
  const color = o.progressBar && colorEnabled(mode, io.env);
  return new Reporter({ mode, stdout: io.stdout, stderr: io.stderr, color });
}

/** Receives every message and progress line for the run's log file. */
export type LogSink = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface ReporterOptions {
  mode: OutputMode;
  stdout: TextStream;
  stderr: TextStream;
  color: boolean;
  /** Minimum time between plain progress lines. */
  plainIntervalMs?: number;
  /** Minimum time between terminal redraws. */
  redrawIntervalMs?: number;
  now?: () => number;
}

/** Writes progress, messages and results in the chosen output mode. */
export class Reporter {
  private barVisible = false;
  private lastDraw = -Infinity;
  private lastPlain = -Infinity;
  private lastSunk = -Infinity;
  private sink: LogSink | null = null;
  private readonly now: () => number;

  constructor(private readonly options: ReporterOptions) {
    this.now = options.now ?? Date.now;
  }

  get mode(): OutputMode {
    return this.options.mode;
  }

  /** Also send everything to the run's log file from now on. */
  attachLog(sink: LogSink | null): void {
    this.sink = sink;
  }

  /** Shows one step's progress (throttled; the last step is always shown). */
  progress(p: StepProgress): void {
    const { mode } = this.options;
    const t = this.now();
    const last = p.step >= p.totalSteps;
    if (mode === 'json') {
      this.json({ event: 'step', ...p, etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : null });
    } else if (mode === 'tty') {
      if (last || t - this.lastDraw >= (this.options.redrawIntervalMs ?? 100)) {
        this.lastDraw = t;
        // A pseudo-terminal without a size reports 0 columns: fall back to a common width.
        const reported = this.options.stderr.columns ?? 0;
        const columns = reported >= 20 ? reported : 100;
        this.options.stderr.write(`\r\x1b[2K${formatProgressLine(p, columns, this.options.color)}`);
        this.barVisible = true;
      }
    } else if (last || t - this.lastPlain >= (this.options.plainIntervalMs ?? 10_000)) {
      this.lastPlain = t;
      this.options.stderr.write(`${formatPlainLine(p)}\n`);
    }
    // The log file gets the plain cadence in every mode (metrics.jsonl has every step).
    if (last || t - this.lastSunk >= (this.options.plainIntervalMs ?? 10_000)) {
      this.lastSunk = t;
      this.sink?.('info', formatPlainLine(p), { step: p.step, losses: p.losses });
    }
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.message('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.message('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.message('error', message, fields);
  }

  /** A machine-readable event (json mode only; humans get `info` lines instead). */
  event(name: string, fields: Record<string, unknown>): void {
    if (this.options.mode === 'json') this.json({ event: name, ...fields });
    this.sink?.('info', name, fields);
  }

  /** The run's outcome: JSON in json mode, otherwise the given lines on stdout. */
  result(fields: Record<string, unknown>, lines: string[]): void {
    this.sink?.('info', 'result', fields);
    if (this.options.mode === 'json') {
      this.json({ event: 'result', ...fields });
      return;
    }
    this.clearBar();
    for (const line of lines) this.options.stdout.write(`${line}\n`);
  }

  /** Ends the bar's line so the shell prompt starts on a fresh one. */
  close(): void {
    if (this.barVisible) {
      this.options.stderr.write('\n');
      this.barVisible = false;
    }
  }

  /** A message at `level`: stderr (clearing the bar) for humans, a log event in json mode. */
  message(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.sink?.(level, message, fields);
    if (this.options.mode === 'json') {
      this.json({ event: 'log', level, message, ...(fields ?? {}) });
      return;
    }
    this.clearBar();
    const color = this.options.color;
    const prefix =
      level === 'error' ? (color ? '\x1b[31merror:\x1b[0m ' : 'error: ') : level === 'warn' ? (color ? '\x1b[33mwarning:\x1b[0m ' : 'warning: ') : '';
    this.options.stderr.write(`${prefix}${message}\n`);
  }

  private clearBar(): void {
    if (this.barVisible) {
      this.options.stderr.write('\r\x1b[2K');
      this.barVisible = false;
      this.lastDraw = -Infinity;
    }
  }

  private json(obj: Record<string, unknown>): void {
    this.options.stdout.write(`${JSON.stringify(obj)}\n`);
  }
}

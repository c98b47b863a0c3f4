// The one logger factory of every dgm process (coordinator, worker, the CLI's own run log):
// winston JSON lines, one object per line with a timestamp and the process's name and pid, to a
// file of the run directory; warnings and errors also echoed where a person sees them.
import { Writable } from 'node:stream';
import winston, { type Logger } from 'winston';

export type { Logger } from 'winston';

/** Levels a logger echoes: the level the caller gave and the ones above it. */
export type EchoLevel = 'error' | 'warn' | 'info';

/** Receives an echoed line: its level, its message and the fields logged with it. */
export type EchoSink = (level: string, message: string, fields: Record<string, unknown>) => void;

export interface DgmLoggerOptions {
  /** The `process` field of every line: 'coordinator', 'worker', 'cli'. */
  process: string;
  /** JSON lines at `level` and up go to this file (none: no file). */
  file?: string;
  /** Lowest level written to the file (default 'info'). */
  level?: string;
  /**
   * Where lines at `echoLevel` and up also go: 'stderr' (default: a process run by hand shows why
   * it ended), a function (the CLI folds them into its own output), or 'none'.
   */
  echo?: 'stderr' | 'none' | EchoSink;
  /** Lowest level echoed (default 'warn'). */
  echoLevel?: EchoLevel;
}

type Transport = Logger['transports'][number];

// winston's Stream transport hands each formatted JSON line to this writable; it is parsed back
// so that the sink gets the level, the message and the fields apart.
function sinkStream(sink: EchoSink): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      try {
        const { level, message, timestamp: _t, process: _p, pid: _pid, ...fields } = JSON.parse(String(chunk)) as Record<string, unknown>;
        sink(String(level), String(message), fields);
      } catch {
        // not a JSON line: nothing to hand on
      }
      done();
    },
  });
}

/** A JSON-lines logger for one dgm process (see DgmLoggerOptions). */
export function createDgmLogger(o: DgmLoggerOptions): Logger {
  const transports: Transport[] = [];
  if (o.file) transports.push(new winston.transports.File({ filename: o.file, level: o.level ?? 'info' }));
  const echo = o.echo ?? 'stderr';
  const echoLevel = o.echoLevel ?? 'warn';
  if (echo === 'stderr') {
    transports.push(new winston.transports.Console({ level: echoLevel, stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] }));
  } else if (typeof echo === 'function') {
    transports.push(new winston.transports.Stream({ stream: sinkStream(echo), level: echoLevel }));
  }
  return winston.createLogger({
    level: o.level ?? 'info',
    defaultMeta: { process: o.process, pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    // winston warns about a logger without transports; a silent one is what 'none' without a file means.
    transports: transports.length > 0 ? transports : [new winston.transports.Stream({ stream: new Writable({ write: (_c, _e, done) => done() }) })],
  });
}

/** Ends a logger; resolves once every file has flushed, or after `boundMs` (a stuck file never holds a process open). */
export async function closeLogger(logger: Logger, boundMs = 3000): Promise<void> {
  const files = logger.transports.filter((t) => t instanceof winston.transports.File);
  const flushed = files.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve())));
  logger.end();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, boundMs);
    timer.unref();
  });
  await Promise.race([Promise.all(flushed), bound]);
  clearTimeout(timer);
}

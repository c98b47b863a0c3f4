// The worker's log: winston JSON lines, to a file of the run directory when the launcher gives
// one, and to stderr (so a launcher that pipes it sees why a worker ended).
import { createLogger, format, transports, type Logger } from 'winston';

type Transport = Logger['transports'][number];

/** A JSON-lines logger writing to `file` (if given) at `level`, and warnings and errors to stderr. */
export function createWorkerLogger(o: { file?: string; level?: string; stderrLevel?: string; label: string }): Logger {
  const list: Transport[] = [];
  if (o.file) list.push(new transports.File({ filename: o.file, level: o.level ?? 'info' }));
  list.push(new transports.Console({ level: o.stderrLevel ?? 'warn', stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] }));
  return createLogger({
    level: o.level ?? 'info',
    defaultMeta: { process: o.label, pid: process.pid },
    format: format.combine(format.timestamp(), format.json()),
    transports: list,
  });
}

/** Ends the logger; resolves when every file transport has flushed (bounded: never hangs). */
export async function closeLogger(logger: Logger): Promise<void> {
  const files = logger.transports.filter((t) => t instanceof transports.File);
  const flushed = files.map((t) => new Promise<void>((resolve) => t.once('finish', () => resolve())));
  logger.end();
  await Promise.race([Promise.all(flushed), new Promise((resolve) => setTimeout(resolve, 3000))]);
}

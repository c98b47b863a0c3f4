// The coordinator's log: winston JSON lines to runs/<name>/logs/coordinator.log, and warnings
// and errors to stderr so a person running it sees them.
import { createLogger, format, transports, type Logger } from 'winston';

/** A JSON-lines logger; `file` receives `level` and up, stderr receives `stderrLevel` and up. */
type Transport = Logger['transports'][number];

export function createCoordinatorLogger(o: { file?: string; level?: string; stderrLevel?: string }): Logger {
  const list: Transport[] = [];
  if (o.file) list.push(new transports.File({ filename: o.file, level: o.level ?? 'info' }));
  list.push(new transports.Console({ level: o.stderrLevel ?? 'warn', stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] }));
  return createLogger({
    level: o.level ?? 'info',
    defaultMeta: { process: 'coordinator', pid: process.pid },
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

// The run's log file. The run directory itself is created only after every check has passed;
// config.json, metrics.jsonl, samples/ and checkpoints/ are the coordinator's to write.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeLogger, createDgmLogger, type Logger } from '@dgm/protocol/log';
import type { LogSink } from '../progress/reporter.js';

/** A winston logger writing JSON lines to `<run>/logs/<name>.log`, and a sink for the Reporter. */
export function createRunLog(runDir: string, name: string): { logger: Logger; sink: LogSink; close(): Promise<void> } {
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  const logger = createDgmLogger({ process: name, file: join(runDir, 'logs', `${name}.log`), echo: 'none' });
  const sink: LogSink = (level, message, fields) => logger.log(level, message, fields ?? {});
  const close = () => closeLogger(logger, 1000);
  return { logger, sink, close };
}

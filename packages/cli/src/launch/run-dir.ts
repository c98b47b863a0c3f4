// The run's log file. The run directory itself is created only after every check has passed;
// config.json, metrics.jsonl, samples/ and checkpoints/ are the coordinator's to write.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import type { LogSink } from '../progress/reporter.js';

/** A winston logger writing JSON lines to `<run>/logs/<name>.log`, and a sink for the Reporter. */
export function createRunLog(runDir: string, name: string): { logger: winston.Logger; sink: LogSink; close(): Promise<void> } {
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { process: name, pid: process.pid },
    transports: [new winston.transports.File({ filename: join(runDir, 'logs', `${name}.log`) })],
  });
  const sink: LogSink = (level, message, fields) => logger.log(level, message, fields ?? {});
  const close = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      timer.unref();
      logger.on('finish', () => {
        clearTimeout(timer);
        resolve();
      });
      logger.end();
    });
  return { logger, sink, close };
}

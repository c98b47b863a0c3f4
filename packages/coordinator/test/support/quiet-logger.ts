// A logger for in-process coordinators in tests: errors only, so expected warnings (dropped
// junk, rejected workers) do not bury the test report.
import { createLogger, format, transports, type Logger } from 'winston';

export function quietLogger(): Logger {
  return createLogger({ level: 'error', format: format.json(), transports: [new transports.Console({ stderrLevels: ['error'] })] });
}

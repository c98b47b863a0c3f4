// A logger for in-process coordinators in tests: errors only, so expected warnings (dropped
// junk, rejected workers) do not bury the test report. The production factory, at level error.
import { createDgmLogger, type Logger } from '@dgm/protocol/log';

export function quietLogger(): Logger {
  return createDgmLogger({ process: 'coordinator', level: 'error', echoLevel: 'error' });
}

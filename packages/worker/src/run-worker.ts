// Running one worker: options, logger and backend, then its sessions (worker-session.ts; more
// than one only when it rejoins a restarted coordinator, rejoin.ts) until the coordinator says STOP.
import { initBackend } from '@dgm/core';
import { describeDevice } from './device.js';
import { WorkerOptionsError } from './errors.js';
import { closeLogger, createDgmLogger } from '@dgm/protocol/log';
import { resolveWorkerOptions, type WorkerOptions } from './options.js';
import { runSessions } from './rejoin.js';
import { WorkerSession, type WorkerResult } from './worker-session.js';

export type { WorkerResult } from './worker-session.js';

/**
 * Runs one data-parallel replica until the coordinator says STOP. Resolves with a summary;
 * rejects with WorkerOptionsError (bad options), RejectedError (the coordinator refused us) or
 * CoordinatorGoneError (unreachable, silent or disconnected beyond the timeout; with
 * `reconnectMs`, not rejoined within it).
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const o = resolveWorkerOptions(options);
  const log = o.logger ?? createDgmLogger({ process: 'worker', file: o.logFile });
  try {
    const active = await initBackend(o.backend, { log: (msg) => log.info(msg), ...(o.loadModule ? { loadModule: o.loadModule } : {}) });
    const device = describeDevice(o.env, active);
    return await runSessions(o, (options) => new WorkerSession(options, log, active.backend, device), log);
  } finally {
    if (!o.logger) await closeLogger(log);
  }
}

export { WorkerOptionsError };

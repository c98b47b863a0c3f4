// Running one worker: options, logger and backend, then its session (worker-session.ts) until
// the coordinator says STOP.
import { initBackend } from '@dgm/core';
import { describeDevice } from './device.js';
import { WorkerOptionsError } from './errors.js';
import { closeLogger, createDgmLogger } from '@dgm/protocol/log';
import { resolveWorkerOptions, type WorkerOptions } from './options.js';
import { WorkerSession, type WorkerResult } from './worker-session.js';

export type { WorkerResult } from './worker-session.js';

/**
 * Runs one data-parallel replica until the coordinator says STOP. Resolves with a summary;
 * rejects with WorkerOptionsError (bad options), RejectedError (the coordinator refused us) or
 * CoordinatorGoneError (unreachable, silent or disconnected beyond the timeout).
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const o = resolveWorkerOptions(options);
  const log = o.logger ?? createDgmLogger({ process: 'worker', file: o.logFile });
  try {
    const active = await initBackend(o.backend, { log: (msg) => log.info(msg), ...(o.loadModule ? { loadModule: o.loadModule } : {}) });
    const device = describeDevice(o.env, active);
    const session = new WorkerSession(o, log, active.backend, device);
    try {
      await session.start();
      return await session.ended$;
    } finally {
      await session.dispose();
    }
  } finally {
    if (!o.logger) await closeLogger(log);
  }
}

export { WorkerOptionsError };

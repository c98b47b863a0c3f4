// Arguments and exit codes of the worker entry script (main.ts), kept apart so they can be
// tested without starting a worker.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BackendChoice } from '@dgm/core';
import { CoordinatorGoneError, RejectedError, WorkerOptionsError } from './errors.js';
import type { WorkerResult } from './run-worker.js';
import type { WorkerOptions } from './options.js';

/** Exit codes of the worker entry script. */
export const EXIT = { stopped: 0, failed: 1, badInput: 2, coordinatorGone: 3 } as const;
// A STOP that ends a failed run (error: true) also exits with `failed`: the launcher sees the
// run did not succeed even if it watches only the workers.

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new WorkerOptionsError(`--${name} must be a whole number of milliseconds; got '${value}'.`);
  return Number(value);
}

/** Parses the entry script's arguments into runWorker options. */
export function parseWorkerArgs(argv: string[]): WorkerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        connect: { type: 'string' },
        run: { type: 'string' },
        config: { type: 'string' },
        backend: { type: 'string' },
        'log-file': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'join-timeout-ms': { type: 'string' },
        'no-shared-memory': { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new WorkerOptionsError(`${(error as Error).message}; allowed: --connect, --run, --config, --backend, --log-file, --heartbeat-ms, --timeout-ms, --join-timeout-ms, --no-shared-memory.`);
  }
  if (values.connect === undefined) throw new WorkerOptionsError('--connect <tcp://host:port|ipc://path> is required.');
  let config: unknown;
  if (values.config !== undefined) {
    try {
      config = JSON.parse(readFileSync(values.config, 'utf8'));
    } catch (error) {
      throw new WorkerOptionsError(`--config ${values.config} could not be read as JSON: ${(error as Error).message}.`);
    }
  }
  return {
    connect: values.connect,
    ...(values.run !== undefined ? { run: values.run } : {}),
    ...(config !== undefined ? { config: config as WorkerOptions['config'] } : {}),
    ...(values.backend !== undefined ? { backend: values.backend as BackendChoice } : {}),
    ...(values['log-file'] !== undefined ? { logFile: values['log-file'] } : {}),
    heartbeatMs: intArg('heartbeat-ms', values['heartbeat-ms']),
    timeoutMs: intArg('timeout-ms', values['timeout-ms']),
    joinTimeoutMs: intArg('join-timeout-ms', values['join-timeout-ms']),
    ...(values['no-shared-memory'] ? { sharedMemory: false } : {}),
  };
}

/** The exit code for how runWorker ended. */
export function exitCodeOf(outcome: { result: WorkerResult } | { error: unknown }): number {
  if ('result' in outcome) return outcome.result.stoppedByError ? EXIT.failed : EXIT.stopped;
  const e = outcome.error;
  if (e instanceof WorkerOptionsError || e instanceof RejectedError) return EXIT.badInput;
  if (e instanceof CoordinatorGoneError) return EXIT.coordinatorGone;
  return EXIT.failed;
}

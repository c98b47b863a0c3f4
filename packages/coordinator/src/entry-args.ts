// Arguments and exit codes of the coordinator entry script (main.ts), kept apart so they can be
// tested without starting a coordinator.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BackendChoice } from '@dgm/core';
import type { RunConfig } from '@dgm/protocol';
import { CoordinatorOptionsError, RunStoppedError } from './errors.js';
import type { CoordinatorOptions } from './options.js';

/** Exit codes of the coordinator entry script. */
export const EXIT = { finished: 0, failed: 1, badInput: 2, stopped: 3 } as const;

const FLAGS = {
  bind: { type: 'string' },
  workers: { type: 'string' },
  config: { type: 'string' },
  'run-dir': { type: 'string' },
  run: { type: 'string' },
  resume: { type: 'boolean' },
  backend: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'join-timeout-ms': { type: 'string' },
  'step-timeout-ms': { type: 'string' },
  'check-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'sample-every': { type: 'string' },
} as const;

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CoordinatorOptionsError(`--${name} must be a whole number; got '${value}'.`);
  return Number(value);
}

/** Parses the entry script's arguments into startCoordinator options. */
export function parseCoordinatorArgs(argv: string[]): CoordinatorOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true }));
  } catch (error) {
    throw new CoordinatorOptionsError(`${(error as Error).message}; allowed: ${Object.keys(FLAGS).map((f) => `--${f}`).join(', ')}.`);
  }
  if (values.bind === undefined) throw new CoordinatorOptionsError('--bind <tcp://host:port|ipc://path> is required.');
  if (values.config === undefined) throw new CoordinatorOptionsError('--config <file.json> (the run config) is required.');
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(values.config, 'utf8'));
  } catch (error) {
    throw new CoordinatorOptionsError(`--config ${values.config} could not be read as JSON: ${(error as Error).message}.`);
  }
  return {
    bind: values.bind,
    config: config as RunConfig,
    workers: intArg('workers', values.workers) ?? 0,
    ...(values['run-dir'] !== undefined ? { runDir: values['run-dir'] } : {}),
    ...(values.run !== undefined ? { run: values.run } : {}),
    ...(values.resume ? { resume: true } : {}),
    ...(values.backend !== undefined ? { backend: values.backend as BackendChoice } : {}),
    heartbeatMs: intArg('heartbeat-ms', values['heartbeat-ms']),
    timeoutMs: intArg('timeout-ms', values['timeout-ms']),
    joinTimeoutMs: intArg('join-timeout-ms', values['join-timeout-ms']),
    stepTimeoutMs: intArg('step-timeout-ms', values['step-timeout-ms']),
    checkEvery: intArg('check-every', values['check-every']),
    checkpointEvery: intArg('checkpoint-every', values['checkpoint-every']),
    sampleEvery: intArg('sample-every', values['sample-every']),
  };
}

/** Exit code of a run that failed with `error` (after it started) . */
export function exitCodeOfRun(error: unknown): number {
  return error instanceof RunStoppedError ? EXIT.stopped : EXIT.failed;
}

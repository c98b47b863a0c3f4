// @dgm/coordinator: membership, sharding, gradient averaging, checkpoints and metrics of a run.
import { fileURLToPath } from 'node:url';
export { startCoordinator, type CoordinatorHandle, type CoordinatorResult } from './start-coordinator.js';
export type { CoordinatorOptions, StepRecord } from './options.js';
export { CoordinatorOptionsError, JoinTimeoutError, WorkerLostError, WorkerFailedError, ReplicaMismatchError, RunStoppedError } from './errors.js';
export { parseCoordinatorArgs, exitCodeOfRun, EXIT as COORDINATOR_EXIT } from './entry-args.js';
export { runPaths, type RunPaths } from './run-directory.js';

/** Path of the coordinator entry script: `node <COORDINATOR_ENTRY> --bind ... --workers N --config file.json`. */
export const COORDINATOR_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));

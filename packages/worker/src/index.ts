// @dgm/worker: one data-parallel replica of a dgm run.
import { fileURLToPath } from 'node:url';
export { runWorker, type WorkerResult } from './run-worker.js';
export type { WorkerOptions } from './options.js';
export { WorkerOptionsError, RejectedError, CoordinatorGoneError } from './errors.js';
export { workerEnv, describeDevice, DeviceAssignmentError, type DeviceAssignment } from './device.js';

/** Path of the worker entry script, for launchers: `node <WORKER_ENTRY> --connect ...`. */
export const WORKER_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));
export { parseWorkerArgs, exitCodeOf, EXIT as WORKER_EXIT } from './entry-args.js';

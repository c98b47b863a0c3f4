// @dgm/worker: one data-parallel replica of a dgm run.
export { runWorker, type WorkerResult } from './run-worker.js';
export type { WorkerOptions } from './options.js';
export { WorkerOptionsError, RejectedError, CoordinatorGoneError, CoordinatorMessageError } from './errors.js';
export { workerEnv, describeDevice, DeviceAssignmentError, type DeviceAssignment } from './device.js';

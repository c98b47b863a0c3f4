// @dgm/worker: one data-parallel replica of a dgm run.
export { runWorker, type WorkerResult } from './run-worker.js';
export type { RejoinEvents, WorkerOptions } from './options.js';
export { WorkerOptionsError, RejectedError, CoordinatorGoneError, CoordinatorMessageError } from './errors.js';
export { workerEnv, describeDevice, isGpuId, DeviceAssignmentError, type DeviceAssignment, type GpuId } from './device.js';

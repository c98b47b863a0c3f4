// @dgm/coordinator: membership, sharding, gradient averaging, checkpoints and metrics of a run.
export { startCoordinator, type CoordinatorHandle, type CoordinatorResult } from './start-coordinator.js';
export type { CoordinatorOptions, StepRecord } from './options.js';
export { CheckpointWriteError, CoordinatorOptionsError, JoinTimeoutError, WorkerLostError, WorkerFailedError, ReplicaMismatchError, RunStoppedError, SkippedStepsError } from './errors.js';
export { runPaths, type RunPaths } from './run-directory.js';

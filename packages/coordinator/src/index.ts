// @dgm/coordinator: membership, sharding, gradient averaging, checkpoints and metrics of a run.
export { startCoordinator, type CoordinatorHandle, type CoordinatorResult } from './start-coordinator.js';
export type { CoordinatorOptions, StepRecord } from './options.js';
export { CoordinatorOptionsError, JoinTimeoutError, WorkerLostError, WorkerFailedError, ReplicaMismatchError, RunStoppedError } from './errors.js';
export { GradientAverager } from './gradient-averager.js';
// The step's wire pieces, for the all-reduce benchmark (tools/bench), which drives them directly.
export { StepExchange, type StepOutcome } from './step-exchange.js';
export { WorkerRouter, type Peer, type RouterEvents } from './worker-router.js';
export type { Member } from './membership.js';
export { runPaths, type RunPaths } from './run-directory.js';

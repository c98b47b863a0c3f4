// @dgm/worker: one data-parallel replica of a dgm run.
export { runWorker, type WorkerResult } from './run-worker.js';
export type { WorkerOptions } from './options.js';
export { WorkerOptionsError, RejectedError, CoordinatorGoneError } from './errors.js';
export { workerEnv, describeDevice, DeviceAssignmentError, type DeviceAssignment } from './device.js';
export { captureState, restoreState, disposeSlots, hasMovingStatistics, ReplicaStateError, type HasSubModels, type OptimizerSlots } from './replica-state.js';
export { buildReplicaModel, type ReplicaModel } from './replica.js';
export { RemoteReducer } from './remote-reducer.js';
export { CoordinatorLink, type LinkEvents } from './coordinator-link.js';
export { SharedMemoryReducer, UnexpectedProceedError } from './shared-memory/shared-reducer.js';
export { isSegmentPath, OwnSegment, PeerSegment, removeOrphans, SegmentError, segmentLayout, sharedMemoryId, SHARED_MEMORY_DIR, type SegmentLayout } from './shared-memory/segment.js';
export { chunkOf } from './shared-memory/chunks.js';
export { WeightedSum } from './shared-memory/weighted-sum.js';

// @dgm/worker: one data-parallel replica of a dgm run.
import { fileURLToPath } from 'node:url';
export { runWorker, type WorkerResult } from './run-worker.js';
export type { WorkerOptions } from './options.js';
export { WorkerOptionsError, RejectedError, CoordinatorGoneError } from './errors.js';
export { workerEnv, describeDevice, DeviceAssignmentError, type DeviceAssignment } from './device.js';
export { RemoteReducer } from './remote-reducer.js';
export { CoordinatorLink, type LinkEvents } from './coordinator-link.js';

/** Path of the worker entry script, for launchers: `node <WORKER_ENTRY> --connect ...`. */
export const WORKER_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));
export { parseWorkerArgs, exitCodeOf, EXIT as WORKER_EXIT } from './entry-args.js';
export { SharedMemoryReducer, UnexpectedProceedError } from './shared-memory/shared-reducer.js';
export { isSegmentPath, OwnSegment, PeerSegment, removeOrphans, SegmentError, segmentLayout, sharedMemoryId, SHARED_MEMORY_DIR, type SegmentLayout } from './shared-memory/segment.js';
export { chunkOf } from './shared-memory/chunks.js';
export { WeightedSum } from './shared-memory/weighted-sum.js';

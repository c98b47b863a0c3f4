// Public surface of replica/: building a replica of a distributed run and moving its state
// between processes, shared by the coordinator and the workers.
export { namedWeights, type HasSubModels, type NamedWeight, type StateScope } from './weight-names.js';
export { captureState, restoreState, hasMovingStatistics, ReplicaStateError, type NamedArray } from './replica-state.js';
export { buildReplicaModel, disposeReplicaModel, type ReplicaModel, type ReplicaSpec, type RunTrainerOptions } from './replica-model.js';

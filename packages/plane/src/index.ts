// @dgm/plane: the data planes, i.e. how the workers of a run average their gradients. Each plane
// has a worker end (the GradientReducer a Trainer calls) and a coordinator end (the round it
// runs per phase); the coordinator and the worker pick one through the registry and route the
// plane's message kinds to it. Internals for benchmarks: '@dgm/plane/bench'.
export * from './api.js';
export * from './names.js';
export { PLANES, DEFAULT_PLANE, choosePlane, planeOfKind, planeReceives, PlaneUnavailableError } from './registry.js';
export { WorkerPlanes } from './worker-planes.js';
export { removeOrphans, SHARED_MEMORY_DIR } from './shared/segment.js';

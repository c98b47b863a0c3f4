// '@dgm/worker/bench': the worker's end of the wire on its own, for tools/bench (the all-reduce
// benchmark's peers talk to a coordinator through it without running a replica). Not for the
// runtime.
export { CoordinatorLink, type LinkEvents } from './coordinator-link.js';

// '@dgm/coordinator/bench': the coordinator's wire pieces one by one, for tools/bench (the
// all-reduce benchmark drives the router and the step exchange without a run around them).
// Not for the runtime.
export { StepExchange, type StepOutcome } from './step-exchange.js';
export { WorkerRouter, type Peer, type RouterEvents } from './worker-router.js';
export type { Member } from './membership.js';

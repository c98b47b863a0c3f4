// The star plane: every worker sends each phase's gradient to the coordinator (GRADS), which
// averages them and sends the one result back to all (REDUCED). Works wherever the coordinator
// is reachable; the default when no other plane is set up.
import type { PlaneDefinition } from '../api.js';
import { StarRound } from './coordinator-end.js';
import { RemoteReducer } from './remote-reducer.js';

export const starPlane: PlaneDefinition = {
  name: 'star',
  toCoordinator: ['GRADS'],
  toWorker: ['REDUCED'],
  setupKind: null,
  unavailable: () => null,
  setup: () => null,
  coordinatorEnd: (context) => new StarRound(context),
  prepare: () => null,
  workerEnd: (context) => new RemoteReducer(context.run, context.send, context.timeoutMs),
};

export { RemoteReducer } from './remote-reducer.js';
export { GradientAverager } from './gradient-averager.js';
export { StarRound } from './coordinator-end.js';

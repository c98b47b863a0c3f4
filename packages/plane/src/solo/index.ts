// The solo plane: a run with exactly one worker has nobody to average with, so the worker's own
// gradient is the average (solo-reducer.ts) and no phase sends a message. On the star the same
// run sent every phase's gradient to the coordinator and waited for the same bits back (GRADS,
// REDUCED: 3–6 ms a step for a tiny model, 2 × 3.6 MB a step for DCGAN). `auto` picks it whenever
// the run (or an elastic run after a change) has one member; it cannot be named with
// --data-plane (it is no choice of where gradients go), so `--data-plane star` keeps the star.
// The coordinator sends its setup (SOLO) once and sees no phase: its end is empty (NoTurns).
import { OutOfTurnError, type PlaneDefinition, type PlaneMember } from '../api.js';
import { NoTurns } from '../shared/no-turns.js';
import { SoloReducer } from './solo-reducer.js';

function unavailable(members: readonly PlaneMember[]): string | null {
  return members.length === 1 ? null : `data plane 'solo' serves a run of exactly one worker, and this run has ${members.length}; use 'auto'.`;
}

export const soloPlane: PlaneDefinition = {
  name: 'solo',
  toCoordinator: [],
  toWorker: [],
  setupKind: 'SOLO',
  unavailable,
  setup: (run) => ({ type: 'SOLO', run }),
  coordinatorEnd: () => new NoTurns('solo'),
  prepare: () => null,
  workerEnd(_context, setup) {
    if (setup?.type !== 'SOLO') throw new OutOfTurnError('the solo plane is set up by SOLO');
    return new SoloReducer();
  },
};

export { SoloReducer } from './solo-reducer.js';

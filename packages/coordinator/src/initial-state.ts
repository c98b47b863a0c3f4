// The start of a run: the coordinator's replica (freshly built, or resumed from a checkpoint) is
// every worker's starting point, sent to all as one full STATE (weights and optimizer state).
import { captureState, disposeOptimizerState, type ReplicaModel } from '@dgm/core';
import { packTensors, type Message } from '@dgm/protocol';
import type { RunServices } from './run-services.js';

/** Sends the coordinator's replica state to every member, as of step `startStep`. */
export async function broadcastInitialState(s: RunServices, parts: ReplicaModel, startStep: number): Promise<void> {
  const optimizer = await parts.trainer.getOptimizerState();
  try {
    const { entries, data } = packTensors(await captureState(parts.model, 'full', optimizer));
    const state: Message = { type: 'STATE', run: s.run, step: startStep, scope: 'full', entries, data };
    await s.race(Promise.all(s.membership.members.map((m) => s.sendTo(m, state, 'the initial state'))));
  } finally {
    disposeOptimizerState(optimizer);
  }
}

// Replica checks. Training uses per-replica batch statistics (like PyTorch DDP without
// SyncBatchNorm), so each replica's BatchNorm moving mean/variance drift apart between checks.
// At every check (every `checkEvery` steps and at the end) rank 0's moving statistics are sent
// to all the others (core's replica state, scope 'stats') before the weight hashes are
// compared, and checkpoints are taken from rank 0: what is saved and what every replica holds
// after a check is one consistent set (DDP broadcasts rank 0's buffers in the same spirit).
import { hasMovingStatistics, type HasSubModels } from '@dgm/core';
import type { Message } from '@dgm/protocol';
import { ReplicaMismatchError } from './errors.js';
import type { RunServices } from './run-services.js';

/** Syncs moving statistics from rank 0, then compares every replica's weights hash; resolves with the hash all agree on. */
export async function verifyReplicas(s: RunServices, model: HasSubModels, step: number): Promise<string> {
  const members = s.membership.members;
  if (members.length > 1 && hasMovingStatistics(model)) {
    const stats = await s.race(s.replies.request(members[0], { type: 'SNAPSHOT_REQUEST', run: s.run, step, scope: 'stats' }));
    const state: Message = { type: 'STATE', run: s.run, step, scope: 'stats', entries: stats.entries, data: stats.data };
    await s.race(Promise.all(members.slice(1).map((m) => s.sendTo(m, state, 'the moving statistics'))));
  }
  const answers = await s.race(Promise.all(members.map((m) => s.replies.request(m, { type: 'SNAPSHOT_REQUEST', run: s.run, step, scope: 'hash' }))));
  const reference = answers[0].hash;
  const differing = members.filter((_, i) => answers[i].hash !== reference);
  if (differing.length > 0) {
    const detail = members.map((m, i) => `rank ${m.rank} has ${answers[i].hash}`).join(', ');
    throw new ReplicaMismatchError(`replicas disagree after step ${step}: ${detail}; ranks ${differing.map((m) => m.rank).join(', ')} differ from rank 0.`);
  }
  s.log.info('replicas agree', { step, hash: reference });
  return reference;
}

// The shared-memory plane: workers on one host average through segment files in /dev/shm
// (shared-reducer.ts) and tell each other when a stage is written over their own Unix sockets
// (peer-turns.ts): the coordinator only sends the setup, PLANE (every rank's segment path),
// before the first STEP, and sees nothing of the phases (its end, no-turns.ts, is empty).
import { usableCores } from './cpu-budget.js';
import { turnSpinMs } from './turn-words.js';
import { isSegmentPath, OwnSegment, PeerSegment, segmentLayout, sharedMemoryId, type SegmentLayout } from './segment.js';
import { OutOfTurnError, type PlaneDefinition, type PlaneMember, type WorkerPreparation } from '../api.js';
import { NoTurns } from './no-turns.js';
import { PeerTurns } from './peer-turns.js';
import { SharedMemoryReducer } from './shared-reducer.js';

/** A worker's own segment, made before HELLO. */
interface SegmentPreparation extends WorkerPreparation {
  own: OwnSegment;
  layout: SegmentLayout;
}

function unavailable(members: readonly PlaneMember[]): string | null {
  const ids = new Set(members.map((m) => m.shm?.id ?? null));
  if (members.length >= 2 && !ids.has(null) && ids.size === 1) return null;
  if (members.length < 2) return "data plane 'shared' needs at least 2 workers; use 'auto' or 'star'.";
  const without = members.filter((m) => m.shm === null).map((m) => `rank ${m.rank} (${m.host})`);
  return without.length > 0
    ? `data plane 'shared' needs a shared-memory segment from every worker, and ${without.join(', ')} offered none (no writable /dev/shm with room for it, or started with --no-shared-memory); use 'auto' or 'star'.`
    : `data plane 'shared' needs every worker on one shared-memory filesystem, and these workers see ${ids.size} different ones (other hosts or containers); use 'auto' or 'star'.`;
}

export const sharedPlane: PlaneDefinition = {
  name: 'shared',
  toCoordinator: [],
  toWorker: [],
  setupKind: 'PLANE',
  unavailable,
  setup: (run, members) => ({ type: 'PLANE', run, segments: members.map((m) => m.shm!.path) }),
  coordinatorEnd: () => new NoTurns(),

  prepare({ gradSizes, sharedMemory, log }) {
    if (!sharedMemory) return null;
    const id = sharedMemoryId();
    const layout = segmentLayout(gradSizes);
    const own = id === null ? null : OwnSegment.create(layout.bytes);
    if (!own || !id) {
      log('no shared-memory segment offered; gradients travel through the coordinator', { dir: id === null ? 'none' : 'too full' });
      return null;
    }
    const prepared: SegmentPreparation = { own, layout, offer: { shm: { id, path: own.path } }, release: () => own.close() };
    return prepared;
  },

  workerEnd(context, setup, prepared) {
    const seg = prepared as SegmentPreparation | null;
    if (setup?.type !== 'PLANE') throw new OutOfTurnError('the shared-memory plane is set up by PLANE');
    // A worker's place on the plane is where the setup names its segment: its rank at the start,
    // its position among the members after an elastic run's members changed (ranks stay identities).
    const rank = seg ? setup.segments.indexOf(seg.own.path) : -1;
    if (!seg || rank < 0 || setup.segments.length < 2 || new Set(setup.segments).size !== setup.segments.length || !setup.segments.every((path) => isSegmentPath(path))) {
      // Not the plane this worker offered for (no coordinator of this run sends that): dropped,
      // like any other message that makes no sense now.
      throw new OutOfTurnError(`a PLANE that does not name this worker's segment once, or names files that are not segments (${setup.segments.length} segments)`);
    }
    const peers: (PeerSegment | null)[] = [];
    try {
      setup.segments.forEach((path, q) => peers.push(q === rank ? null : PeerSegment.open(path, seg.layout.bytes, q)));
    } catch (error) {
      peers.forEach((p) => p?.close());
      throw error;
    }
    const gradSizes = Object.fromEntries(Object.values(seg.layout.phases).map((p) => [p.phase, p.size]));
    const turns = new PeerTurns(context.run, rank, setup.segments, { run: context.run, gradSizes }, context.timeoutMs, context.dropped ? (reason) => context.dropped!(reason) : undefined);
    return new SharedMemoryReducer(rank, seg.own, peers, seg.layout, turns, turnSpinMs(setup.segments.length, usableCores()));
  },
};

export { SharedMemoryReducer } from './shared-reducer.js';
export { PeerTurns, turnPathOf } from './peer-turns.js';
export { TurnWords, TURN_SPIN_MS, turnSpinMs } from './turn-words.js';
export { sharedStages, SINGLE_STAGE_BYTES } from './stages.js';
export { chunkOf } from './chunks.js';
export { cgroupCpuQuota, usableCores } from './cpu-budget.js';
export { isSegmentPath, OwnSegment, PeerSegment, removeOrphans, SegmentError, segmentLayout, sharedMemoryId, SHARED_MEMORY_DIR, type SegmentLayout } from './segment.js';

// The shared-memory plane's coordinator end: nothing. Its workers decide the stage turns among
// themselves (peer-turns.ts), so no message of a phase reaches the coordinator, which only
// orders the steps; any plane message that does arrive is not this plane's and is dropped by
// the coordinator's switchboard (the plane takes no kinds).
import type { Message } from '@dgm/protocol';
import type { CoordinatorPlaneEnd, PlaneMember } from '../api.js';
import type { PlaneName } from '../names.js';

export class NoTurns<M extends PlaneMember> implements CoordinatorPlaneEnd<M> {
  /** The plane it serves: the hierarchical plane's turns are the workers' too, and the solo plane has none. */
  constructor(readonly name: PlaneName = 'shared') {}

  /** The coordinator does not see the phases of this plane. */
  readonly phases: readonly string[] = [];

  begin(): void {}

  onMessage(_member: M, _message: Message): void {}

  reset(): void {}
}

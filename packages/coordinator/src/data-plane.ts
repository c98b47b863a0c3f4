// Choosing the run's data plane once every worker joined (@dgm/plane's registry holds the rule
// and the planes), telling the workers (the plane's setup message, if it has one), and opening
// the plane's coordinator end, which gets the plane's message kinds from then on.
import { choosePlane, PlaneUnavailableError, type CoordinatorPlaneContext, type CoordinatorPlaneEnd, type PlaneChoice, type PlaneName, type PlaneOptions } from '@dgm/plane';
import type { Message } from '@dgm/protocol';
import { CoordinatorOptionsError } from './errors.js';
import type { Member } from './membership.js';

export interface OpenedPlane {
  name: PlaneName;
  end: CoordinatorPlaneEnd<Member>;
  /** What every member gets before the first STEP, or null. */
  setup: Message | null;
}

/** The plane `choice` names among `members` (throws CoordinatorOptionsError when it cannot serve them). */
export function openDataPlane(choice: PlaneChoice, members: Member[], context: CoordinatorPlaneContext<Member>, options: PlaneOptions = {}): OpenedPlane {
  let plane;
  try {
    plane = choosePlane(choice, members);
  } catch (error) {
    if (error instanceof PlaneUnavailableError) throw new CoordinatorOptionsError(error.message);
    throw error;
  }
  return { name: plane.name, end: plane.coordinatorEnd(context), setup: plane.setup(context.run, members, options) };
}

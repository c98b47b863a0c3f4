// Every data plane, by name, and the rule that picks one for a run. Adding a plane: a folder with
// both ends and a PlaneDefinition, its name in names.ts, its line below.
import type { MessageKind } from '@dgm/protocol';
import type { PlaneDefinition, PlaneMember } from './api.js';
import { PLANE_NAMES, type PlaneChoice, type PlaneName } from './names.js';
import { hierarchicalPlane } from './hierarchical/index.js';
import { sharedPlane } from './shared/index.js';
import { soloPlane } from './solo/index.js';
import { starPlane } from './star/index.js';

export const PLANES: Readonly<Record<PlaneName, PlaneDefinition>> = {
  solo: soloPlane,
  shared: sharedPlane,
  hierarchical: hierarchicalPlane,
  star: starPlane,
};

/** The plane workers use until a setup message names another: the one that needs no setup. */
export const DEFAULT_PLANE: PlaneDefinition = starPlane;

/**
 * The plane for a run: `auto` takes the first plane of PLANE_NAMES that every member can use
 * (solo when there is exactly one member; shared when every worker offers a segment on one shared-memory filesystem and there are two
 * or more; hierarchical when they span hosts and each offers a segment and a ring socket; else
 * the star); a plane by name must be usable, or this throws its sentence.
 */
export function choosePlane(choice: PlaneChoice, members: readonly PlaneMember[]): PlaneDefinition {
  if (choice !== 'auto') {
    const plane = PLANES[choice];
    const why = plane.unavailable(members);
    if (why !== null) throw new PlaneUnavailableError(why);
    return plane;
  }
  for (const name of PLANE_NAMES) if (PLANES[name].unavailable(members) === null) return PLANES[name];
  return DEFAULT_PLANE;
}

/** A plane asked for by name cannot serve the run's workers. */
export class PlaneUnavailableError extends Error {
  override name = 'PlaneUnavailableError';
}

/** Whether `kind` is one `plane` receives at either end (planes may share kinds; the run's plane decides where one goes). */
export function planeReceives(plane: PlaneName, kind: MessageKind): boolean {
  const p = PLANES[plane];
  return p.toWorker.includes(kind) || p.toCoordinator.includes(kind);
}

/** The first plane a message kind belongs to (its setup or either end's kinds), or null for the runtime's own kinds. */
export function planeOfKind(kind: MessageKind): PlaneDefinition | null {
  for (const plane of Object.values(PLANES)) {
    if (plane.setupKind === kind || plane.toWorker.includes(kind) || plane.toCoordinator.includes(kind)) return plane;
  }
  return null;
}

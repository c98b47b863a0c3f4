// The names of the data planes, in a file that loads nothing (no tfjs, no zeromq): the CLI and
// the option schemas import it to say what --data-plane accepts. registry.ts holds a plane per
// name; adding a plane adds its name here and its line there.

/** Every data plane, in the order `auto` prefers them (the first one possible is used). */
export const PLANE_NAMES = ['shared', 'star'] as const;
export type PlaneName = (typeof PLANE_NAMES)[number];

/** What a run may ask for: a plane by name, or `auto` (the first plane of PLANE_NAMES that all workers can use). */
export const PLANE_CHOICES = ['auto', 'star', 'shared'] as const;
export type PlaneChoice = (typeof PLANE_CHOICES)[number];

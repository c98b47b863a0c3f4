// How many stages one phase's average takes on the shared-memory plane, decided the same way by
// every worker (each says TURN once per stage, and waits for every peer's TURN of it).
import type { SharedStage } from '@dgm/protocol';

/** Largest (N-1)·gradient bytes each rank reads in the single-stage average. */
export const SINGLE_STAGE_BYTES = 4 << 20;

/**
 * The stages a phase of `size` floats takes among `worldSize` ranks. Two stages move and sum
 * the least data per rank (as a ring all-reduce does); one stage saves two message hops, which
 * is worth more while the gradients each rank reads are small.
 */
export function sharedStages(size: number, worldSize: number): readonly SharedStage[] {
  return (worldSize - 1) * size * 4 <= SINGLE_STAGE_BYTES ? ['whole'] : ['grads', 'sums'];
}

// What a finished run reports to whoever started the coordinator.
import type { PlaneName } from '@dgm/plane';
import type { NamedValues } from '@dgm/protocol';

/** How a run ended successfully. */
export interface CoordinatorResult {
  run: string;
  /** Steps completed in total (including those before a resume). */
  steps: number;
  /** Weights hash every replica agreed on at the end. */
  finalHash: string;
  /** Directory of the final checkpoint, when there is a run directory. */
  checkpoint: string | null;
  /** Rank 0's state after the last step: every weight (w/<sub-model>/<name>) and optimizer slot (o/<phase>/<slot>). */
  finalState: NamedValues[];
  /** Messages dropped as invalid (failed validation, unknown sender, out of protocol). */
  droppedMessages: number;
  /** Where gradients were averaged (@dgm/plane's plane names). */
  dataPlane: PlaneName;
}

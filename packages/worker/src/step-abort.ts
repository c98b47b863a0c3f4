// ABORT (an elastic run's members changed): the worker breaks the step in progress off at once —
// the plane's waits fail, and no new average starts (GradientWatch.aborting) — the session's queue forgets
// every STEP and plane setup queued before the ABORT (work-queue.ts), releases its plane (segments and
// rings were laid out for the old members) and drops back to the star, and once the step has
// unwound says where its replica stands, with a fresh plane offer (ABORTED, from StepWork, in queue order).
import type { WorkerPlanes } from '@dgm/plane';
import type { AbortMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { StepAbortedError } from './errors.js';
import type { GradientWatch } from './gradient-watch.js';

export class StepAborts {
  constructor(
    private readonly watch: GradientWatch,
    private readonly planes: WorkerPlanes,
    private readonly log: Logger,
  ) {}

  /** The ABORT itself, at once (not queued): the step in progress breaks off. */
  begin(m: AbortMessage): void {
    this.watch.breakOff();
    this.planes.reset(new StepAbortedError(`step ${m.step} was broken off by the coordinator (its members changed)`));
    this.log.info('step broken off by the coordinator', { step: m.step });
  }

  /** The ABORT's turn on the queue: nothing of the broken step runs any more. */
  end(): void {
    this.watch.aborting = false;
  }
}

// ABORT (an elastic run's members changed): the worker breaks the step in progress off at once —
// the plane's waits fail, and no new average starts (GradientWatch.aborting) — forgets every STEP
// queued before the ABORT (the coordinator withdrew it: it sent the next step ahead), drops back
// to the star plane (segments and rings were laid out for the old members), and once the step has
// unwound says where its replica stands (ABORTED, from StepWork, in queue order).
import type { WorkerPlanes } from '@dgm/plane';
import type { AbortMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { StepAbortedError } from './errors.js';
import type { GradientWatch } from './gradient-watch.js';

export class StepAborts {
  /** ABORTs received: a STEP queued under an older count was withdrawn. */
  private count = 0;

  constructor(
    private readonly watch: GradientWatch,
    private readonly planes: WorkerPlanes,
    private readonly log: Logger,
  ) {}

  /** The ticket of a STEP queued now (compare with withdrawn() when it runs). */
  ticket(): number {
    return this.count;
  }

  /** Whether an ABORT came after the STEP with this ticket was queued. */
  withdrawn(ticket: number): boolean {
    return ticket !== this.count;
  }

  /** The ABORT itself, at once (not queued): the step in progress breaks off. */
  begin(m: AbortMessage): void {
    this.count++;
    this.watch.aborting = true;
    this.planes.reset(new StepAbortedError(`step ${m.step} was broken off by the coordinator (its members changed)`));
    this.log.info('step broken off by the coordinator', { step: m.step });
  }

  /** The ABORT's turn on the queue: nothing of the broken step runs any more. */
  end(): void {
    this.watch.aborting = false;
  }
}

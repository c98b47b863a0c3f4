// The work a worker does for the coordinator once admitted, one message at a time (the session
// queues them): load a STATE, set a data plane up, compute a STEP (its gradients averaged
// through the data plane) and answer DONE, answer a SNAPSHOT_REQUEST, answer an ABORT.
import { tf } from '@dgm/core';
import { OutOfTurnError, type WorkerPlanes } from '@dgm/plane';
import type { PhaseName } from '@dgm/core';
import type { AbortMessage, Message, SnapshotRequestMessage, StateMessage, StepMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { StepAbortedError, StepFailedError } from './errors.js';
import type { GradientWatch } from './gradient-watch.js';
import type { Replica } from './replica.js';

export class StepWork {
  /** Steps computed. */
  steps = 0;
  /** Live tensors after the first step (a leak shows as growth from there). */
  tensorsAfterFirstStep: number | null = null;
  /** True while a step computes (no HEARTBEAT then: the step's messages prove we are alive). */
  busy = false;
  /** The step the coordinator may ask for next; null until the first full STATE. */
  private nextStep: number | null = null;
  /**
   * Where the replica stands: its first step not applied whole, and the phases of it that are
   * (an ABORT can break a step off between phases). ABORTED reports it.
   */
  private position: { step: number; applied: PhaseName[] } = { step: 0, applied: [] };

  constructor(
    private readonly run: () => string,
    private readonly send: (message: Message) => Promise<void>,
    private readonly planes: WorkerPlanes,
    /** The Trainer's reducer: which phases had a non-finite gradient here. */
    private readonly watch: GradientWatch,
    private readonly log: Logger,
    /** A message that made no sense now: counted and logged by the session. */
    private readonly drop: (what: string, reason: string) => void,
  ) {}

  /** True once a full STATE was loaded: the replica can step (and a data plane can be set up). */
  get hasState(): boolean {
    return this.nextStep !== null;
  }

  async onState(replica: Replica, m: StateMessage): Promise<void> {
    await replica.load(m.scope, m.entries, m.data);
    if (m.scope === 'full') {
      this.nextStep = m.step;
      this.position = { step: m.step, applied: (m.applied ?? []) as PhaseName[] };
    }
    this.log.debug('state loaded', { step: m.step, scope: m.scope });
  }

  /**
   * A data plane's setup (PLANE, RING): in turn only once `admitted` with a state, before the
   * first STEP (since the last ABORT: an elastic run sets its plane up again for new members).
   */
  async onPlaneSetup(m: Message, admitted: boolean): Promise<void> {
    try {
      const plane = this.planes.setUp(m, admitted && this.hasState);
      this.log.info(`gradients are averaged through the ${plane} plane`);
    } catch (error) {
      if (!(error instanceof OutOfTurnError)) throw error;
      this.drop(`dropped a ${m.type} out of turn`, error.message);
    }
  }

  async onStep(replica: Replica, m: StepMessage): Promise<void> {
    // Steps come in order from the state's step on; anything else is not from a sane
    // coordinator (computing it would leave this worker waiting for an average never sent).
    if (m.step !== this.nextStep) return this.drop('dropped a STEP out of order', `step ${m.step}, expected ${this.nextStep ?? 'a STATE first'}`);
    this.nextStep = m.step + 1;
    // No setup for another plane after the first step: what was prepared for one goes back.
    this.planes.settle();
    this.busy = true;
    let error: string | null = null;
    let metrics = { losses: {} as Record<string, number>, sampleCount: m.indices.length, computeMs: 0, reduceMs: 0 };
    let skipped: string[] = [];
    this.watch.take(); // nothing of an earlier, failed step is reported with this one
    // A redone step starts where this replica stands (the coordinator's `from` says the same).
    const applied: PhaseName[] = this.position.step === m.step ? [...this.position.applied] : [];
    this.position = { step: m.step, applied };
    const from = m.from as PhaseName | undefined; // the decoder checked it is a phase of this model
    try {
      const started = performance.now();
      const result = await replica.step(m.step, m.indices, { ...(from === undefined ? {} : { from }), onPhaseDone: (phase) => applied.push(phase) });
      this.position = { step: m.step + 1, applied: [] };
      // Local work is the whole step minus the wait for averages: it includes loading the
      // batch and drawing the noise, which the Trainer's own computeMs leaves out.
      metrics = { losses: result.losses, sampleCount: result.sampleCount, computeMs: performance.now() - started - result.reduceMs, reduceMs: result.reduceMs };
      skipped = result.skipped;
      this.steps++;
      this.tensorsAfterFirstStep ??= tf.memory().numTensors;
    } catch (e) {
      if (e instanceof StepAbortedError) {
        // Broken off by an ABORT: no DONE; ABORTED (queued behind this) says what was applied.
        this.nextStep = m.step;
        return;
      }
      error = (e as Error).message;
    } finally {
      this.busy = false;
    }
    // nonFinite names this rank's own poisoned phases; skipped says what every replica left out.
    const poisoned = { nonFinite: this.watch.take(), skipped };
    await this.send({ type: 'DONE', run: this.run(), step: m.step, error, ...metrics, ...poisoned });
    if (error !== null) throw new StepFailedError(`step ${m.step} failed: ${error}`);
  }

  /**
   * ABORT: the step in progress is over (this runs after it on the queue); says where the replica
   * stands, with what it prepared for the data plane of the new members (a fresh segment and ring socket).
   */
  async onAbort(m: AbortMessage): Promise<void> {
    if (this.nextStep === null) return this.drop('dropped an ABORT before any state', `step ${m.step}`);
    // The coordinator redoes the step this replica stands at (or brings it level first).
    this.nextStep = this.position.step;
    const offer = await this.planes.reoffer();
    await this.send({ type: 'ABORTED', run: this.run(), step: this.position.step, applied: [...this.position.applied], ...offer });
  }

  async onSnapshot(replica: Replica, m: SnapshotRequestMessage): Promise<void> {
    const snap = await replica.snapshot(m.scope);
    await this.send({ type: 'SNAPSHOT', run: this.run(), step: m.step, scope: m.scope, ...snap });
  }
}

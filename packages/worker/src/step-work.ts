// The work a worker does for the coordinator once admitted, one message at a time (the session
// queues them): load a STATE, compute a STEP (its gradients averaged through the data plane)
// and answer DONE, answer a SNAPSHOT_REQUEST.
import * as tf from '@tensorflow/tfjs';
import type { WorkerPlanes } from '@dgm/plane';
import type { Message, SnapshotRequestMessage, StateMessage, StepMessage } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { StepFailedError } from './errors.js';
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
    if (m.scope === 'full') this.nextStep = m.step;
    this.log.debug('state loaded', { step: m.step, scope: m.scope });
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
    try {
      const started = performance.now();
      const result = await replica.step(m.step, m.indices);
      // Local work is the whole step minus the wait for averages: it includes loading the
      // batch and drawing the noise, which the Trainer's own computeMs leaves out.
      metrics = { losses: result.losses, sampleCount: result.sampleCount, computeMs: performance.now() - started - result.reduceMs, reduceMs: result.reduceMs };
      skipped = result.skipped;
      this.steps++;
      this.tensorsAfterFirstStep ??= tf.memory().numTensors;
    } catch (e) {
      error = (e as Error).message;
    } finally {
      this.busy = false;
    }
    // nonFinite names this rank's own poisoned phases; skipped says what every replica left out.
    const poisoned = { nonFinite: this.watch.take(), skipped };
    await this.send({ type: 'DONE', run: this.run(), step: m.step, error, ...metrics, ...poisoned });
    if (error !== null) throw new StepFailedError(`step ${m.step} failed: ${error}`);
  }

  async onSnapshot(replica: Replica, m: SnapshotRequestMessage): Promise<void> {
    const snap = await replica.snapshot(m.scope);
    await this.send({ type: 'SNAPSHOT', run: this.run(), step: m.step, scope: m.scope, ...snap });
  }
}

// The worker end of the stage barrier both memory-based planes use (shared, hierarchical): say
// WRITTEN for a stage, then wait (bounded) for the coordinator's PROCEED of that very stage with
// every rank's sample count. One class, so the two planes check PROCEEDs by the same rules.
import { AwaitedReply, type Message, type SharedStage } from '@dgm/protocol';
import { OutOfTurnError } from '../api.js';

interface Awaited {
  step: number;
  phase: string;
  stage: SharedStage;
}

export class StageTurns {
  private readonly proceed: AwaitedReply<Awaited, number[]>;

  constructor(
    private readonly run: string,
    private readonly send: (message: Message) => Promise<void>,
    private readonly worldSize: number,
    /** The plane's name, for the sentence about a message that is not its own. */
    private readonly planeName: string,
    timeoutMs: number,
  ) {
    this.proceed = new AwaitedReply(timeoutMs, (a) => `'${a.stage}' of phase '${a.phase}' of step ${a.step}`);
  }

  /** The error that ended the turns, if one did. */
  get failed(): Error | null | undefined {
    return this.proceed.failed;
  }

  /** Says WRITTEN for `stage`; resolves (bounded wait) with the counts of the matching PROCEED. */
  stage(step: number, phase: string, stage: SharedStage, sampleCount: number): Promise<number[]> {
    return this.proceed.request({ step, phase, stage }, `no PROCEED '${stage}' for phase '${phase}' of step ${step}`, () =>
      this.send({ type: 'WRITTEN', run: this.run, step, phase, stage, sampleCount }),
    );
  }

  /** Hands a received PROCEED to the waiting stage; throws OutOfTurnError if it was not the one awaited. */
  deliver(m: Message): void {
    if (m.type !== 'PROCEED') throw new OutOfTurnError(`${m.type} is not a message of the ${this.planeName} plane`);
    const awaited = this.proceed.awaited;
    if (!awaited || awaited.step !== m.step || awaited.phase !== m.phase || awaited.stage !== m.stage) {
      throw new OutOfTurnError(`PROCEED '${m.stage}' for phase '${m.phase}' of step ${m.step} arrived while ${this.proceed.describeAwaited()} was awaited`);
    }
    const total = m.counts.reduce((a, c) => a + c, 0);
    if (m.counts.length !== this.worldSize || total <= 0) {
      throw new OutOfTurnError(`PROCEED for step ${m.step} carries ${m.counts.length} sample counts summing to ${total}; this run has ${this.worldSize} ranks and needs a positive total`);
    }
    this.proceed.answer(m.counts);
  }

  /** Rejects the waiting stage (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.proceed.fail(error);
  }
}

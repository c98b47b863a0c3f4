// The solo plane's worker end: the run's one worker averages alone. The average over one rank is
// that rank's own gradient (the averaging rule, averaging/weighted-average.ts, copies it back bit
// for bit: w = n/n is not applied), so reduce() hands the Trainer's array straight back, as core's
// LocalReducer does in a single process: no message, no copy. The Trainer made that array for
// this call alone and copies it into tensors at once, so handing it back is safe.
import type { PhaseName } from '@dgm/core';
import type { Message } from '@dgm/protocol';
import { OutOfTurnError, type WorkerPlaneEnd } from '../api.js';

export class SoloReducer implements WorkerPlaneEnd {
  readonly name = 'solo';
  private failure: Error | null = null;

  reduce(_phase: PhaseName, _step: number, grads: Float32Array, _sampleCount: number): Promise<Float32Array> {
    // After fail() (the run ended, the members changed) no phase is averaged any more, as on every plane.
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(grads);
  }

  /** The solo plane receives no messages: anything delivered is out of turn (dropped). */
  deliver(message: Message): void {
    throw new OutOfTurnError(`${message.type} is not a message of the solo plane`);
  }

  fail(error: Error): void {
    this.failure = error;
  }

  close(): void {
    // Nothing held: no segment, no socket.
  }
}

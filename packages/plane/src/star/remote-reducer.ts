// The star's worker end: sends one phase's local gradients as GRADS and resolves with the
// averaged gradients of the matching REDUCED. Waiting is bounded: by `timeoutMs`, and by the
// session (when the coordinator is gone or the run stops, fail() rejects the wait at once).
import type { PhaseName } from '@dgm/core';
import { AwaitedReply, type Message } from '@dgm/protocol';
import { OutOfTurnError, type WorkerPlaneEnd } from '../api.js';

interface Awaited {
  step: number;
  phase: string;
}

export class RemoteReducer implements WorkerPlaneEnd {
  readonly name = 'star';
  private readonly reply: AwaitedReply<Awaited, Float32Array>;

  constructor(
    private readonly run: string,
    private readonly send: (message: Message) => Promise<void>,
    timeoutMs: number,
  ) {
    this.reply = new AwaitedReply(timeoutMs, (a) => `phase '${a.phase}' of step ${a.step}`);
  }

  reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    return this.reply.request({ step, phase }, `no averaged gradients for phase '${phase}' of step ${step}`, () =>
      this.send({ type: 'GRADS', run: this.run, step, phase, sampleCount, grads }),
    );
  }

  /** Hands a received REDUCED to the waiting reduce(); throws OutOfTurnError if it was not the one awaited. */
  deliver(message: Message): void {
    if (message.type !== 'REDUCED') throw new OutOfTurnError(`${message.type} is not a message of the star plane`);
    const awaited = this.reply.awaited;
    if (!awaited || awaited.step !== message.step || awaited.phase !== message.phase) {
      throw new OutOfTurnError(
        `REDUCED for phase '${message.phase}' of step ${message.step} arrived while ${this.reply.describeAwaited()} was awaited`,
      );
    }
    this.reply.answer(message.grads);
  }

  fail(error: Error): void {
    this.reply.fail(error);
  }

  close(): void {
    // Nothing held: the star's gradients travel in messages.
  }
}

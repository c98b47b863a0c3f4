// The worker's GradientReducer: sends one phase's local gradients as GRADS and resolves with the
// averaged gradients of the matching REDUCED. Waiting is bounded: by `timeoutMs`, and by the
// link (when the coordinator is gone or the run stops, the wait is rejected at once).
import type { GradientReducer, PhaseName } from '@dgm/core';
import type { Message, ReducedMessage } from '@dgm/protocol';
import { AwaitedReply } from './awaited-reply.js';

interface Awaited {
  step: number;
  phase: string;
}

/** A REDUCED that no reduce() was waiting for. */
export class UnexpectedReducedError extends Error {}

export class RemoteReducer implements GradientReducer {
  private readonly reply: AwaitedReply<Awaited, Float32Array>;
  /** Milliseconds spent waiting for REDUCED since the last `takeWaitMs()`. */
  private waitMs = 0;

  constructor(
    private readonly run: string,
    private readonly send: (message: Message) => Promise<void>,
    timeoutMs: number,
  ) {
    this.reply = new AwaitedReply(timeoutMs, (a) => `phase '${a.phase}' of step ${a.step}`);
  }

  async reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    const started = performance.now();
    try {
      return await this.reply.request({ step, phase }, `no averaged gradients for phase '${phase}' of step ${step}`, () =>
        this.send({ type: 'GRADS', run: this.run, step, phase, sampleCount, grads }),
      );
    } finally {
      this.waitMs += performance.now() - started;
    }
  }

  /** Hands a received REDUCED to the waiting reduce(); throws if it was not the one awaited. */
  deliver(message: ReducedMessage): void {
    const awaited = this.reply.awaited;
    if (!awaited || awaited.step !== message.step || awaited.phase !== message.phase) {
      throw new UnexpectedReducedError(
        `REDUCED for phase '${message.phase}' of step ${message.step} arrived while ${this.reply.describeAwaited()} was awaited`,
      );
    }
    this.reply.answer(message.grads);
  }

  /** Rejects the waiting reduce() (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.reply.fail(error);
  }

  /** Time spent in reduce() (sending + waiting) since the last call; resets it. */
  takeWaitMs(): number {
    const ms = this.waitMs;
    this.waitMs = 0;
    return ms;
  }
}

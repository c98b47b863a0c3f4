// The worker's GradientReducer: sends one phase's local gradients as GRADS and resolves with the
// averaged gradients of the matching REDUCED. Waiting is bounded: by `timeoutMs`, and by the
// link (when the coordinator is gone or the run stops, the wait is rejected at once).
import type { GradientReducer, PhaseName } from '@dgm/core';
import type { Message, ReducedMessage } from '@dgm/protocol';

interface Pending {
  step: number;
  phase: string;
  resolve(grads: Float32Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** A REDUCED that no reduce() was waiting for. */
export class UnexpectedReducedError extends Error {}

export class RemoteReducer implements GradientReducer {
  private pending: Pending | null = null;
  private failure: Error | null = null;
  /** Milliseconds spent waiting for REDUCED since the last `takeWaitMs()`. */
  private waitMs = 0;

  constructor(
    private readonly run: string,
    private readonly send: (message: Message) => Promise<void>,
    private readonly timeoutMs: number,
  ) {}

  async reduce(phase: PhaseName, step: number, grads: Float32Array, sampleCount: number): Promise<Float32Array> {
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error(`reduce(${phase}, ${step}) called while phase '${this.pending.phase}' of step ${this.pending.step} is still waiting`);
    const started = performance.now();
    const reply = new Promise<Float32Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new Error(`no averaged gradients for phase '${phase}' of step ${step} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = { step, phase, resolve, reject, timer };
    });
    try {
      await this.send({ type: 'GRADS', run: this.run, step, phase, sampleCount, grads });
    } catch (error) {
      this.settle()?.reject(error as Error);
    }
    try {
      return await reply;
    } finally {
      this.waitMs += performance.now() - started;
    }
  }

  /** Hands a received REDUCED to the waiting reduce(); throws if it was not the one awaited. */
  deliver(message: ReducedMessage): void {
    const p = this.pending;
    if (!p || p.step !== message.step || p.phase !== message.phase) {
      throw new UnexpectedReducedError(
        `REDUCED for phase '${message.phase}' of step ${message.step} arrived while ${p ? `phase '${p.phase}' of step ${p.step}` : 'nothing'} was awaited`,
      );
    }
    this.settle()!.resolve(message.grads);
  }

  /** Rejects the waiting reduce() (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    this.settle()?.reject(error);
  }

  /** Time spent in reduce() (sending + waiting) since the last call; resets it. */
  takeWaitMs(): number {
    const ms = this.waitMs;
    this.waitMs = 0;
    return ms;
  }

  private settle(): Pending | null {
    const p = this.pending;
    if (p) clearTimeout(p.timer);
    this.pending = null;
    return p;
  }
}

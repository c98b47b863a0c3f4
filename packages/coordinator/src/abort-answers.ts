// The ABORTED answers a settle waits for (membership-change.ts): one bounded wait per member, by
// rank. A member that does not answer in time counts as lost; a wait of a settle that a loss broke
// off is superseded (never blamed on its member), and a member that left ends its own.
import { BoundedWait, type AbortedMessage } from '@dgm/protocol';
import { MembershipChangedError } from './errors.js';
import type { Member } from './membership.js';

/** Where a replica stands: its first step not applied whole, and the phases of it that are. */
export interface Position {
  step: number;
  applied: string[];
}

export class AbortAnswers {
  private readonly waits = new Map<number, BoundedWait<Position>>();

  constructor(
    private readonly timeoutMs: number,
    /** `m` did not answer within timeoutMs: drop it; returns the error its wait ends with. */
    private readonly silent: (m: Member) => Error,
  ) {}

  /** A wait for `m`'s ABORTED (send the ABORT after this: its answer may come at once). */
  expect(m: Member): Promise<Position> {
    const wait: BoundedWait<Position> = new BoundedWait<Position>(this.timeoutMs, () => (this.waits.get(m.rank) === wait ? this.silent(m) : new MembershipChangedError('superseded')));
    wait.promise.catch(() => undefined); // a failed ABORT send ends it before anyone awaits it
    this.waits.set(m.rank, wait);
    return wait.promise;
  }

  /** Hands over an ABORTED; false if nobody waited for it. */
  deliver(m: Member, message: AbortedMessage): boolean {
    const wait = this.waits.get(m.rank);
    if (!wait) return false;
    this.waits.delete(m.rank);
    wait.resolve({ step: message.step, applied: message.applied });
    return true;
  }

  /** `m` left: its wait ends with `error`. */
  drop(m: Member, error: Error): void {
    this.waits.get(m.rank)?.reject(error);
    this.waits.delete(m.rank);
  }

  /** A new settle starts: the waits of the one a loss broke off are not awaited any more. */
  supersede(): void {
    for (const w of this.waits.values()) w.reject(new MembershipChangedError('superseded'));
    this.waits.clear();
  }
}

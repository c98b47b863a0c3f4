// Request/answer exchanges with one worker (SNAPSHOT_REQUEST → SNAPSHOT): each wait is bounded
// by a timeout and ends at once when the run fails.
import { BoundedWait, type Message, type SnapshotMessage } from '@dgm/protocol';
import { WorkerLostError } from './errors.js';
import type { Member } from './membership.js';

export class SnapshotReplies {
  private readonly waiting = new Map<string, BoundedWait<SnapshotMessage>>();

  constructor(
    private readonly send: (member: Member, message: Message) => Promise<void>,
    private readonly timeoutMs: number,
    /** A failed send to `member`: returns the error its wait ends with (an elastic run drops the member first). */
    private readonly sendFailed: (member: Member, error: WorkerLostError) => Error = (_m, error) => error,
  ) {}

  /** Sends `request` to `member` and resolves with its SNAPSHOT for the same step and scope. */
  async request(member: Member, request: Extract<Message, { type: 'SNAPSHOT_REQUEST' }>): Promise<SnapshotMessage> {
    const key = `${member.rank}:${request.step}:${request.scope}`;
    if (this.waiting.has(key)) throw new Error(`a ${request.scope} snapshot of step ${request.step} is already awaited from rank ${member.rank}`);
    const wait = new BoundedWait<SnapshotMessage>(this.timeoutMs, () => {
      this.waiting.delete(key);
      return new WorkerLostError(`rank ${member.rank} (pid ${member.pid} on ${member.host}) sent no ${request.scope} snapshot of step ${request.step} within ${this.timeoutMs} ms.`);
    });
    this.waiting.set(key, wait);
    try {
      await this.send(member, request);
    } catch (error) {
      this.take(key)?.reject(this.sendFailed(member, new WorkerLostError(`could not ask rank ${member.rank} for a snapshot: ${(error as Error).message}.`)));
    }
    return wait.promise;
  }

  /** Hands over a received SNAPSHOT; returns false if nobody asked for it. */
  deliver(member: Member, m: SnapshotMessage): boolean {
    const w = this.take(`${member.rank}:${m.step}:${m.scope}`);
    w?.resolve(m);
    return w !== undefined;
  }

  /** Rejects every wait for `member` with `error` (it left the run). */
  failMember(member: Member, error: Error): void {
    for (const key of [...this.waiting.keys()]) if (key.startsWith(`${member.rank}:`)) this.take(key)?.reject(error);
  }

  /** Rejects every wait with `error`. */
  failAll(error: Error): void {
    for (const key of [...this.waiting.keys()]) this.take(key)?.reject(error);
  }

  private take(key: string): BoundedWait<SnapshotMessage> | undefined {
    const w = this.waiting.get(key);
    this.waiting.delete(key);
    return w;
  }
}

// What the parts of a running coordinator (run loop, replica checks, run outputs) share: the
// members, the snapshot exchange, and sends and waits that end at once when the run fails.
import type { Message } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import type { Member, Membership } from './membership.js';
import type { SnapshotReplies } from './replies.js';

export interface RunServices {
  readonly run: string;
  readonly log: Logger;
  readonly membership: Membership;
  readonly replies: SnapshotReplies;
  /** `p`, or the run's failure if that comes first. */
  race<T>(p: Promise<T>): Promise<T>;
  /** Sends to a member; a failure means the member is gone, said in a sentence naming it and `what`. */
  sendTo(member: Member, message: Message, what: string): Promise<void>;
}

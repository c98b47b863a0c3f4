// The run's data plane and step exchange, and what they do with a member they cannot reach. A run
// opens the plane `choosePlane` picks once every worker joined; an elastic run whose members
// changed opens it again for the new members (every worker released its old plane on ABORT and
// offered a fresh segment and ring socket in ABORTED) with a fresh step exchange: `auto` picks
// again (solo for one member, shared or hierarchical for more), and a plane named by the user that
// cannot serve the new members gives way to what `auto` picks for them, saying why.
import type { Message } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { PLANES, type PlaneName } from '@dgm/plane';
import { openDataPlane, type OpenedPlane } from './data-plane.js';
import { CoordinatorOptionsError, MembershipChangedError, WorkerLostError } from './errors.js';
import type { MembershipChanges } from './membership-change.js';
import type { Member, Membership } from './membership.js';
import type { ResolvedCoordinatorOptions } from './options.js';
import { StepExchange, type ExchangeFaults } from './step-exchange.js';
import type { WorkerRouter } from './worker-router.js';

export interface RunPlaneContext {
  o: Pick<ResolvedCoordinatorOptions, 'run' | 'dataPlane' | 'wire' | 'stepTimeoutMs'>;
  gradSizes: Record<string, number>;
  membership: Membership;
  router: WorkerRouter;
  log: Logger;
  changes: () => MembershipChanges;
  /** Logs a dropped message from `from`. */
  drop(from: string, reason: string): void;
}

export class RunPlane {
  plane: OpenedPlane | null = null;
  exchange: StepExchange | null = null;
  /** The first plane the run had with two members or more (solo, for one, is no standard for more). */
  private first: PlaneName | null = null;

  constructor(private readonly c: RunPlaneContext) {}

  /** How the exchange and the plane treat a member they cannot reach: an elastic run drops it, any other stops. */
  readonly faults: ExchangeFaults = {
    lost: (m, error) => (this.c.changes().elastic ? this.c.changes().lose(m, error.message.replace(/\.$/, '')) : this.exchange?.abort(error)),
    timedOut: (missing, error) => {
      const changes = this.c.changes();
      if (!changes.elastic) return error;
      for (const m of missing) changes.lose(m, `no answer within the step timeout (${this.c.o.stepTimeoutMs} ms)`);
      return new MembershipChangedError(error.message);
    },
  };

  /**
   * Opens the plane's coordinator end and a step exchange for `members`; returns the setup every
   * member needs first (or null). `afterChange`: an elastic run's members changed (every worker
   * is on the star until it gets the setup); a plane that cannot serve them gives way to the star.
   */
  open(members: Member[], afterChange: boolean): Message | null {
    const { o, router, membership } = this.c;
    const drop = (m: Member, reason: string) => this.c.drop(`rank ${m.rank}`, reason);
    const context = {
      run: o.run,
      gradSizes: this.c.gradSizes,
      members: () => membership.members,
      send: (m: Member, msg: Message) => router.send(m.peer, msg),
      lost: (m: Member, what: string, error: Error) => this.faults.lost(m, new WorkerLostError(`could not send ${what} to rank ${m.rank} (pid ${m.pid} on ${m.host}): ${error.message}.`)),
      dropped: drop,
    };
    let plane: OpenedPlane;
    try {
      plane = openDataPlane(o.dataPlane, members, context, { wire: o.wire });
    } catch (error) {
      // At the start that is the user's choice that cannot be met (exit 2); after a change, what
      // auto picks serves (the star serves any members; solo the one left).
      if (!afterChange || !(error instanceof CoordinatorOptionsError)) throw error;
      plane = openDataPlane('auto', members, context, { wire: o.wire });
      this.fellBack(plane.name, error.message);
    }
    // auto picks what the new members allow: say so when that is the star and the run had better
    // (solo for one member, shared for one host instead of hierarchical, are no loss).
    if (afterChange && this.first !== null && plane.name === 'star' && plane.name !== this.first && o.dataPlane === 'auto' && members.length >= 2) {
      const why = PLANES[this.first].unavailable(members);
      if (why !== null) this.fellBack(plane.name, why);
    }
    if (members.length >= 2) this.first ??= plane.name;
    this.plane = plane;
    this.exchange = new StepExchange(o.run, () => membership.members, (m, msg) => router.send(m.peer, msg), o.stepTimeoutMs, drop, plane.end, this.faults);
    this.c.log.info(`data plane: ${plane.name}${afterChange ? ' (set up again for the new members)' : ''}`, { workers: members.length, ranks: members.map((m) => m.rank), host: members[0]?.host });
    return plane.setup;
  }

  private fellBack(instead: PlaneName, why: string): void {
    const how = instead === 'star' ? 'gradients go through the coordinator (star)' : instead === 'solo' ? 'the one worker left averages alone (solo)' : `gradients go through the ${instead} plane`;
    this.c.log.warn(`the data plane could not be set up again for the new members, so ${how} until the members change again: ${why}`);
  }
}

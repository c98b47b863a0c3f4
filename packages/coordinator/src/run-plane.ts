// The run's data plane and step exchange, and what they do with a member they cannot reach. A run
// opens the plane `choosePlane` picks once every worker joined; an elastic run whose members
// changed opens the star for the new members (every worker dropped back to it on ABORT:
// segments and rings were laid out for the old members) with a fresh step exchange.
import type { Message } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import { openDataPlane, type OpenedPlane } from './data-plane.js';
import { MembershipChangedError, WorkerLostError } from './errors.js';
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
   * member needs first (or null). `afterChange`: the members changed and every worker is back on
   * the star, which serves any members.
   */
  open(members: Member[], afterChange: boolean): Message | null {
    const { o, router, membership } = this.c;
    const drop = (m: Member, reason: string) => this.c.drop(`rank ${m.rank}`, reason);
    const plane = openDataPlane(afterChange ? 'star' : o.dataPlane, members, {
      run: o.run,
      gradSizes: this.c.gradSizes,
      members: () => membership.members,
      send: (m, msg) => router.send(m.peer, msg),
      lost: (m, what, error) => this.faults.lost(m, new WorkerLostError(`could not send ${what} to rank ${m.rank} (pid ${m.pid} on ${m.host}): ${error.message}.`)),
      dropped: drop,
    }, { wire: o.wire });
    this.plane = plane;
    this.exchange = new StepExchange(o.run, () => membership.members, (m, msg) => router.send(m.peer, msg), o.stepTimeoutMs, drop, plane.end, this.faults);
    this.c.log.info(`data plane: ${plane.name}${afterChange ? ' (the members changed)' : ''}`, { workers: members.length, host: members[0]?.host });
    return plane.setup;
  }
}

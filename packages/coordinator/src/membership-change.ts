// Elastic runs (--min-workers below the workers started, or --max-workers above): the members may
// change while the run goes on. A worker lost mid-step is dropped and the step is redone by the
// survivors over the same global window, resliced among them: the window and every sample's
// noise depend on the step and the global sample index only, and gradients are averaged weighted
// by sample count, so the step's result does not depend on who computes it (within float
// summation order). A worker that joins is admitted at the next step boundary.
//
// Settling a change (at a step boundary, or after a step broke off): the replicas are brought
// level (replica-leveling.ts: ABORT/ABORTED, the furthest replica's state to those behind),
// joiners get the same state, and the run's data plane is set up again for the new members from
// the fresh offers in their ABORTED (and the joiners' HELLO); the step goes on from the first
// phase not applied.
import { BoundedWait, type AbortedMessage, type Message } from '@dgm/protocol';
import { AbortAnswers, type Position } from './abort-answers.js';
import type { Logger } from '@dgm/protocol/log';
import { MembershipChangedError } from './errors.js';
import { offerOf, type Member, type Membership } from './membership.js';
import { levelReplicas, who } from './replica-leveling.js';
import type { MembershipEvent, ResolvedCoordinatorOptions } from './options.js';
import type { SnapshotReplies } from './replies.js';

/** The options a change of members is judged by (--min-workers, --max-workers, --max-failures, the join and step timeouts). */
export type ElasticSettings = Pick<ResolvedCoordinatorOptions, 'workers' | 'minWorkers' | 'maxWorkers' | 'maxFailures' | 'joinTimeoutMs' | 'stepTimeoutMs'>;

/** What a settle needs of the run. */
export interface ElasticHooks {
  run: string;
  log: Logger;
  membership: Membership;
  replies: SnapshotReplies;
  /** Sends `message` to `m`; a failed send drops `m` (the run is elastic and running) and throws MembershipChangedError. */
  sendTo(m: Member, message: Message, what: string): Promise<void>;
  /** Ends the step in flight (if any) with `error`. */
  abortStep(error: Error): void;
  /** The run's data plane and a new step exchange for these members; the setup every member needs first (or null). */
  reopen(members: Member[]): Message | null;
  /** Where a worker is told to connect to join (for the sentence below --min-workers). */
  address(): string;
}

export class MembershipChanges {
  /** Every change of the run (a resumed run's history goes on). */
  readonly history: MembershipEvent[];
  private fresh: MembershipEvent[] = [];
  /** Admitted after the start, waiting for the next step boundary. */
  private pending: Member[] = [];
  /** A member was lost since the last settle. */
  private dirty = false;
  private failures: number;
  private stop: string | null = null;
  /** A stop was asked: no more waiting for workers. */
  private interrupted = false;
  private readonly answers: AbortAnswers;
  private joinWait: BoundedWait<void> | null = null;
  /** Steps completed, for the events. */
  private step = 0;

  constructor(
    private readonly o: ElasticSettings,
    private readonly h: ElasticHooks,
    history: readonly MembershipEvent[] = [],
  ) {
    this.history = [...history];
    this.answers = new AbortAnswers(o.stepTimeoutMs, (m) => this.dropped(m, `no answer to ABORT within ${o.stepTimeoutMs} ms`));
    this.failures = history.filter((e) => e.event === 'left').length;
  }

  /** Whether members may change at all (otherwise a loss stops the run, as it always did). */
  get elastic(): boolean {
    return this.o.minWorkers < this.o.workers || this.o.maxWorkers > this.o.workers;
  }

  /** The run loop must settle before its next step: a member was lost, or one waits to join. */
  get due(): boolean {
    return this.dirty || this.pending.length > 0;
  }

  /** Workers admitted mid-run and not yet placed (the run's STOP goes to them too). */
  get waiting(): readonly Member[] {
    return this.pending;
  }

  /** Why the run must stop for its members (too many lost, too few left), or null. */
  get stopReason(): string | null {
    return this.stop;
  }

  /** A step broke off for a change of members: the loop settles before it goes on. */
  requireSettle(): void {
    this.dirty = true;
  }

  /** The loop's count of completed steps (events are dated with it). */
  at(step: number): void {
    this.step = step;
  }

  /** Whether a worker may join now: an elastic run below --max-workers, counting those waiting. */
  lateSeat(): boolean {
    return this.elastic && this.stop === null && this.h.membership.members.length + this.pending.length < this.o.maxWorkers;
  }

  /** A stop was asked: a wait for more workers ends now. */
  interrupt(): void {
    this.interrupted = true;
    this.joinWait?.resolve();
  }

  /** A worker admitted mid-run: it takes part from the next step boundary. */
  joined(m: Member): void {
    this.pending.push(m);
    this.h.log.info('a worker joins the running run; it takes part from the next step', { rank: m.rank, pid: m.pid, host: m.host, step: this.step });
    if (this.h.membership.members.length + this.pending.length >= this.o.minWorkers) this.joinWait?.resolve();
  }

  /** A member is gone (`cause`: how it was noticed): dropped, said in one line, counted; the step in flight breaks off. */
  lose(m: Member, cause: string): void {
    const waiting = this.pending.indexOf(m);
    if (waiting < 0 && !this.h.membership.members.includes(m)) return; // already dropped
    this.h.membership.remove(m);
    if (waiting >= 0) this.pending.splice(waiting, 1);
    else this.dirty = true;
    this.failures++;
    this.record({ step: this.step, event: 'left', rank: m.rank, pid: m.pid, host: m.host, cause });
    const alive = this.h.membership.members.length;
    this.h.log.warn(`worker ${who(m)} left at step ${this.step + 1}: ${cause}; ${alive} worker${alive === 1 ? '' : 's'} remain (at least ${this.o.minWorkers} needed)`, { rank: m.rank, host: m.host, cause, alive, failures: this.failures });
    if (this.failures > this.o.maxFailures) {
      this.stop ??= `${this.failures} workers were lost, more than --max-failures ${this.o.maxFailures} allows (the last: rank ${m.rank} on ${m.host}, ${cause})`;
    }
    const changed = new MembershipChangedError(`rank ${m.rank} left the run`);
    this.answers.drop(m, changed);
    this.h.replies.failMember(m, changed);
    // A joiner that never took part breaks no step.
    if (waiting < 0) this.h.abortStep(changed);
  }

  /** `m` cannot be reached in an elastic run (`cause`: how that showed): it is lost; returns the error the waiting side ends with. */
  dropped(m: Member, cause: string): MembershipChangedError {
    this.lose(m, cause);
    return new MembershipChangedError(`rank ${m.rank} left the run`);
  }

  /** The events since the last call (for the next metrics line), or undefined. */
  takeEvents(): MembershipEvent[] | undefined {
    if (this.fresh.length === 0) return undefined;
    const events = this.fresh;
    this.fresh = [];
    return events;
  }

  /** An ABORTED: where `m` stands, and what it offers the plane of the new members (its old offer was used up). */
  onAborted(m: Member, message: AbortedMessage): boolean {
    if (!this.answers.deliver(m, message)) return false;
    Object.assign(m, offerOf(message));
    return true;
  }

  /**
   * Brings the members level at (or past) `step`, admits the joiners, and reopens the plane;
   * resolves with where the run goes on. A loss during it starts it over.
   */
  async settle(step: number): Promise<Position> {
    for (;;) {
      try {
        return await this.settleOnce(step);
      } catch (error) {
        if (!(error instanceof MembershipChangedError)) throw error;
      }
    }
  }

  private async settleOnce(step: number): Promise<Position> {
    this.dirty = false;
    this.answers.supersede();
    const members = this.h.membership.members;
    const level = await levelReplicas(this.h, this.answers, members, step);
    if (members.length + this.pending.length < this.o.minWorkers) await this.waitForWorkers(members.length);
    if (members.length === 0) {
      this.stop ??= 'every worker was lost, so no replica holds the current state';
      return level.target;
    }
    // A joiner stays waiting until its state is sent: lost before that, it is dropped (and said) as a waiting one.
    for (const j of [...this.pending]) {
      // The state a joiner gets: a live replica's SNAPSHOT, taken once per settle (maybe already
      // while leveling); the log gives its time and size (the send only queues it).
      const state = await level.state();
      await this.h.sendTo(j, state, 'the state of the run');
      const stateBytes = state.type === 'STATE' ? state.data.byteLength : 0;
      this.pending.splice(this.pending.indexOf(j), 1);
      this.h.membership.place(j);
      this.record({ step: this.step, event: 'joined', rank: j.rank, pid: j.pid, host: j.host, cause: 'joined' });
      this.h.log.info(`worker ${who(j)} joined at step ${level.target.step + 1}; ${this.h.membership.members.length} workers`, { rank: j.rank, host: j.host, snapshotMs: level.snapshotMs(), stateBytes });
    }
    // The plane for the new members (after each member's STATE: a worker sets a plane up only with its state).
    const placed = this.h.membership.members;
    const setup = this.h.reopen(placed);
    if (setup) await Promise.all(placed.map((m) => this.h.sendTo(m, setup, 'the data plane setup')));
    return level.target;
  }

  /** Below --min-workers: waits (bounded) for joiners; past the bound the run stops. */
  private async waitForWorkers(alive: number): Promise<void> {
    // Nobody holds the state a joiner would need; or the run stops anyway (too many lost, a stop asked).
    if (alive === 0 || this.stop !== null || this.interrupted) return;
    const seconds = Math.round(this.o.joinTimeoutMs / 1000);
    this.h.log.warn(`only ${alive} of the ${this.o.minWorkers} workers --min-workers needs are alive; waiting up to ${seconds} s for more (start one with: dgm worker --connect ${this.h.address()})`, { alive, needed: this.o.minWorkers });
    const wait = new BoundedWait<void>(this.o.joinTimeoutMs, () => new Error('timeout'));
    this.joinWait = wait;
    try {
      await wait.promise;
    } catch {
      this.stop ??= `only ${this.h.membership.members.length} of the ${this.o.minWorkers} workers --min-workers needs were alive for ${seconds} s`;
    } finally {
      this.joinWait = null;
    }
  }

  private record(e: MembershipEvent): void {
    this.history.push(e);
    this.fresh.push(e);
  }
}

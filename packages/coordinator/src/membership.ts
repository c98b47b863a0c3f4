// Admission: who may join, under which rank. A worker is admitted when it speaks our protocol
// version (checked by the decoder), names our run (or none), and has the same config hash and
// parameter-manifest hash; otherwise it gets a REJECT whose sentence says what differs.
import { BoundedWait, type HelloMessage, type Message, type PlaneOfferFields, type RunConfig } from '@dgm/protocol';
import type { PlaneMember, WorkerOffer } from '@dgm/plane';
import type { Peer } from './worker-router.js';

/** An admitted worker: its rank, where it runs, and what it offered the data planes (PlaneMember). */
export interface Member extends PlaneMember {
  peer: Peer;
  backend: string;
  device: string;
  /** Last time anything was received from it (ms since epoch). */
  lastHeard: number;
}

export interface AdmissionContext {
  run: string;
  config: RunConfig;
  configHash: string;
  manifestHash: string;
  worldSize: number;
  heartbeatMs: number;
  timeoutMs: number;
  /** Whether a worker may join the running run now (an elastic run below its --max-workers); absent: never. */
  lateSeat?: () => boolean;
}

/** What a worker offers the data planes, from HELLO's (or ABORTED's) offer fields. */
export function offerOf(fields: Partial<PlaneOfferFields>): WorkerOffer {
  const { shmId, shmPath, ringAddress, ringKey } = fields;
  return { shm: shmId && shmPath ? { id: shmId, path: shmPath } : null, ring: ringAddress ? { address: ringAddress, key: ringKey ?? null } : null };
}

const short = (hash: string | null): string => (hash === null ? 'none' : hash.length > 16 ? `${hash.slice(0, 16)}…` : hash);

export class Membership {
  private readonly slots: (Member | null)[];
  private readonly byKey = new Map<string, Member>();
  private started = false;
  private waiter: BoundedWait<void> | null = null;
  /** The rank the next worker joining a running run gets: ranks are identities, never reused. */
  private nextRank: number;

  constructor(private readonly ctx: AdmissionContext) {
    this.slots = new Array<Member | null>(ctx.worldSize).fill(null);
    this.nextRank = ctx.worldSize;
  }

  /** Admitted members by rank (only complete once `full`). */
  get members(): Member[] {
    return this.slots.filter((m): m is Member => m !== null);
  }

  get full(): boolean {
    return this.slots.slice(0, this.ctx.worldSize).every((m) => m !== null);
  }

  get(peer: Peer): Member | undefined {
    return this.byKey.get(peer.key);
  }

  /** After start no one else is admitted: ranks and slices are fixed for the run. */
  close(): void {
    this.started = true;
  }

  /** Decides on a HELLO; returns the reply to send (WELCOME or REJECT) and the new member, if any. */
  admit(peer: Peer, hello: HelloMessage): { reply: Message; member?: Member; late?: boolean } {
    const c = this.ctx;
    const reject = (reason: string): { reply: Message } => ({ reply: { type: 'REJECT', run: c.run, reason } });
    const welcome = (rank: number | null): Message => ({
      type: 'WELCOME',
      run: c.run,
      rank,
      worldSize: c.worldSize,
      configHash: c.configHash,
      config: c.config,
      heartbeatMs: c.heartbeatMs,
      timeoutMs: c.timeoutMs,
    });
    if (hello.run !== '' && hello.run !== c.run) return reject(`this coordinator runs '${c.run}', not '${hello.run}'.`);
    const known = this.byKey.get(peer.key);
    if (known) return { reply: welcome(known.rank) }; // a repeated HELLO gets the same answer
    const late = this.started && (c.lateSeat?.() ?? false);
    if ((this.started || this.full) && !late) return reject(`run '${c.run}' already has all ${c.worldSize} workers it was started for.`);
    // No config yet: send ours; the worker builds its model and says HELLO again with hashes.
    if (hello.configHash === null) return { reply: welcome(null) };
    if (hello.configHash !== c.configHash) {
      return reject(
        `config hash ${short(hello.configHash)} differs from the coordinator's ${short(c.configHash)}; start the worker with the same config, or with none to use the coordinator's.`,
      );
    }
    if (hello.manifestHash !== c.manifestHash) {
      return reject(
        `parameter manifest ${short(hello.manifestHash)} differs from the coordinator's ${short(c.manifestHash)}: the worker builds a different model from the same config (another dgm version?).`,
      );
    }
    let rank = late ? this.nextRank : this.slots.indexOf(null);
    if (!late && hello.rank !== undefined && hello.rank !== null) {
      // A launcher's rank (dgm launch): that slot or nothing, so a missing rank can be named.
      if (hello.rank >= c.worldSize) return reject(`this worker asks for rank ${hello.rank}, but run '${c.run}' has ranks 0 to ${c.worldSize - 1}; start as many workers as the coordinator expects.`);
      const holder = this.slots[hello.rank];
      if (holder) return reject(`rank ${hello.rank} is already taken by pid ${holder.pid} on ${holder.host}; give each worker its own rank.`);
      rank = hello.rank;
    }
    const member: Member = { rank, peer, pid: hello.pid, host: hello.host, backend: hello.backend, device: hello.device, ...offerOf(hello), lastHeard: Date.now() };
    this.byKey.set(peer.key, member);
    // A late joiner is known (its messages are accepted) but takes part from a step boundary on (place()).
    if (late) {
      this.nextRank++;
      return { reply: welcome(rank), member, late: true };
    }
    this.slots[rank] = member;
    if (this.full) this.waiter?.resolve();
    return { reply: welcome(rank), member };
  }

  /** A late joiner takes part from now on (an elastic run's step boundary). */
  place(member: Member): void {
    this.slots[member.rank] = member;
  }

  /** Forgets a member (one that left before the run started frees its rank; after, ranks are not reused). */
  remove(member: Member): void {
    if (this.slots[member.rank] === member) this.slots[member.rank] = null;
    this.byKey.delete(member.peer.key);
  }

  /** The ranks no worker holds yet, in order. */
  get missingRanks(): number[] {
    return this.slots.slice(0, this.ctx.worldSize).flatMap((m, rank) => (m === null ? [rank] : []));
  }

  /** Resolves when all ranks are taken; rejects with `onTimeout()` after `timeoutMs`. */
  waitFull(timeoutMs: number, onTimeout: (joined: number) => Error, abort: Promise<never>): Promise<void> {
    if (this.full) return Promise.resolve();
    const waiter = new BoundedWait<void>(timeoutMs, () => onTimeout(this.members.length));
    this.waiter = waiter;
    abort.catch((error: Error) => waiter.reject(error));
    return waiter.promise.finally(() => {
      this.waiter = null;
    });
  }
}

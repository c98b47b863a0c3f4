// The shared-memory plane's stage turns, decided between the workers themselves: each says TURN
// ("my part of this stage is in my segment", with its sample count) straight to every peer, and
// reads the stage once it holds every rank's TURN. The coordinator relayed these turns before
// (WRITTEN in, PROCEED out: two hops through a third process per stage); now a stage costs one
// hop, and the coordinator is off the path of every phase.
//
// Wire: each worker binds a PULL on a Unix socket next to its segment (`dgm-<pid>-<hex>.turn` in
// /dev/shm, 0600: the trust boundary of the segments themselves, which any process that could
// reach the socket could already read and write) and connects one PUSH to each peer's. Workers
// that share memory see the same /dev/shm, so the same sockets. The socket file is removed once
// every peer has spoken (they are all connected then), like the segment's name.
//
// Every received message is validated (codec), must be a TURN of this run from another rank of
// it, and is kept until its stage is read (a peer may be one stage ahead); a duplicate or a
// message from nowhere is dropped. Every wait is bounded and names the ranks still silent.
import { chmodSync, unlinkSync } from 'node:fs';
import { Pull, Push } from 'zeromq';
import { BoundedWait, decodeMessage, encodeMessage, type DecodeLimits, type SharedStage } from '@dgm/protocol';
import { OutOfTurnError } from '../api.js';

/** The turn socket's file beside a segment file (`….seg` → `….turn`). */
export function turnPathOf(segmentPath: string): string {
  return segmentPath.replace(/\.seg$/, '.turn');
}

/** Stages a peer may be ahead of this worker is at most one; a few more keys bound a flood. */
const MAX_OPEN_STAGES = 4;

interface Awaited {
  key: string;
  wait: BoundedWait<number[]>;
}

export class PeerTurns {
  private readonly pull: Pull;
  private readonly pushes: (Push | null)[];
  /** Sample counts by rank (-1: not yet heard) of every stage some rank has spoken for. */
  private readonly open = new Map<string, number[]>();
  private waiting: Awaited | null = null;
  private failure: Error | null = null;
  private readonly bound: Promise<void>;
  private readonly path: string;
  private unlinked = false;
  private closed = false;
  /** Messages dropped (invalid, not a TURN of this run, duplicates, beyond the open stages). */
  dropped = 0;

  constructor(
    private readonly run: string,
    private readonly rank: number,
    /** Every rank's segment path, by rank: their turn sockets are beside them. */
    segments: readonly string[],
    private readonly limits: DecodeLimits,
    private readonly timeoutMs: number,
    private readonly onDrop: (reason: string) => void = () => undefined,
  ) {
    const liveness = { linger: 0, heartbeatInterval: Math.max(100, Math.floor(timeoutMs / 4)), heartbeatTimeout: timeoutMs, heartbeatTimeToLive: timeoutMs };
    this.path = turnPathOf(segments[rank]!);
    this.pull = new Pull({ ...liveness, receiveHighWaterMark: 1000, maxMessageSize: 4096 });
    this.bound = this.pull.bind(`ipc://${this.path}`).then(() => chmodSync(this.path, 0o600));
    this.bound.catch((error: Error) => this.fail(new Error(`could not open this worker's turn socket ${this.path}: ${error.message}`)));
    // A peer binds when it gets the same setup: ZeroMQ retries the connect until it has.
    this.pushes = segments.map((seg, q) => {
      if (q === rank) return null;
      const push = new Push({ ...liveness, sendHighWaterMark: 1000, sendTimeout: timeoutMs, reconnectInterval: 10 });
      push.connect(`ipc://${turnPathOf(seg)}`);
      return push;
    });
    void this.receiveLoop();
  }

  /** The error that ended the turns, if one did. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Says TURN for `stage` to every peer; resolves (bounded) with every rank's sample count once all have. */
  async stage(step: number, phase: string, stage: SharedStage, sampleCount: number): Promise<number[]> {
    if (this.failure) throw this.failure;
    if (this.waiting) throw new Error(`stage '${stage}' of phase '${phase}' of step ${step} was requested while ${this.waiting.key} is still awaited`);
    const key = `${step}/${phase}/${stage}`;
    const wait = new BoundedWait<number[]>(this.timeoutMs, () => {
      this.waiting = null;
      const silent = (this.open.get(key) ?? []).map((c, q) => (c < 0 ? q : -1)).filter((q) => q >= 0);
      return new Error(`no TURN '${stage}' for phase '${phase}' of step ${step} from rank${silent.length === 1 ? '' : 's'} ${silent.join(', ')} within ${this.timeoutMs} ms`);
    });
    this.waiting = { key, wait };
    this.note(key, this.rank, sampleCount);
    const frames = encodeMessage({ type: 'TURN', run: this.run, rank: this.rank, step, phase, stage, sampleCount });
    try {
      await this.bound;
      await Promise.all(this.pushes.map((p, q) => p?.send(frames).catch((error: Error) => {
        throw new Error(`could not tell rank ${q} that stage '${stage}' of phase '${phase}' of step ${step} is written: ${error.message}`);
      })));
    } catch (error) {
      this.fail(error as Error);
    }
    return wait.promise;
  }

  private async receiveLoop(): Promise<void> {
    await this.bound.catch(() => undefined);
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await this.pull.receive();
      } catch (error) {
        if (this.closed) return;
        if ((error as { code?: string }).code === 'EAGAIN') continue; // zeromq.js, under load: nothing lost
        this.fail(new Error(`the turn socket stopped receiving: ${(error as Error).message}`));
        return;
      }
      const result = decodeMessage(frames, this.limits);
      if (!result.ok) this.drop(result.reason);
      else {
        const m = result.message;
        if (m.type !== 'TURN' || m.run !== this.run) this.drop(`a ${m.type} of run '${m.run}' on the turn socket`);
        else if (m.rank === this.rank || m.rank >= this.pushes.length) this.drop(`a TURN from rank ${m.rank}, which is not a peer`);
        else this.note(`${m.step}/${m.phase}/${m.stage}`, m.rank, m.sampleCount);
      }
    }
  }

  /** Records `rank`'s count for stage `key`; answers the waiting stage once every rank spoke. */
  private note(key: string, rank: number, count: number): void {
    let counts = this.open.get(key);
    if (!counts) {
      if (this.open.size >= MAX_OPEN_STAGES) return this.drop(`a TURN for ${key} while ${this.open.size} stages are open`);
      counts = new Array<number>(this.pushes.length).fill(-1);
      this.open.set(key, counts);
    }
    if (counts[rank]! >= 0) return this.drop(`a second TURN from rank ${rank} for ${key}`);
    counts[rank] = count;
    const w = this.waiting;
    if (!w || w.key !== key || counts.some((c) => c < 0)) return;
    this.open.delete(key);
    this.waiting = null;
    this.forgetName();
    w.wait.resolve(counts);
  }

  private drop(reason: string): void {
    this.dropped++;
    this.onDrop(reason);
  }

  /** Every peer has connected (each spoke): the socket's name is no longer needed. */
  private forgetName(): void {
    if (this.unlinked) return;
    this.unlinked = true;
    try {
      unlinkSync(this.path);
    } catch {
      // gone already
    }
  }

  /** Rejects the waiting stage (if any) and every later one with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = null;
    w?.wait.reject(error);
  }

  /** PROCEED never comes on this plane: the coordinator is not the barrier. */
  deliver(type: string): never {
    throw new OutOfTurnError(`${type} is not a message of the shared-memory plane (its workers decide the turns among themselves)`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('the turns were closed'));
    for (const p of this.pushes) p?.close();
    this.pull.close();
    this.forgetName();
  }
}

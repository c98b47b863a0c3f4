// Bringing the replicas level when an elastic run's members change (membership-change.ts settles
// the change): every member gets ABORT and answers ABORTED with where it stands (its first step
// not applied whole, and the phases of it that are) and a fresh offer for the data plane.
// Replicas can stand apart: on the shared plane every worker reads each average itself, so one
// may have applied a phase (or finished a step) that another never read before the ABORT. The
// ones behind get the full state of the one furthest ahead (SNAPSHOT → STATE with `applied`), so
// no phase is applied twice or half; joiners get the same state.
import type { Message } from '@dgm/protocol';
import type { Logger } from '@dgm/protocol/log';
import type { AbortAnswers, Position } from './abort-answers.js';
import type { Member } from './membership.js';
import type { SnapshotReplies } from './replies.js';

export interface LevelingHooks {
  run: string;
  log: Logger;
  replies: SnapshotReplies;
  /** Sends `message` to `m`; a failed send drops `m` and throws MembershipChangedError (the settle starts over). */
  sendTo(m: Member, message: Message, what: string): Promise<void>;
}

/** Where the replicas stand once level, and the state that brings any other replica there. */
export interface Level {
  target: Position;
  /** The replica furthest ahead (null: no member). */
  source: Member | null;
  /** Its full state as a STATE message (taken once, on first use). */
  state(): Promise<Message>;
  /** How long the source took to answer the SNAPSHOT for state(), in ms (null until it has). */
  snapshotMs(): number | null;
}

export const who = (m: Member) => `rank ${m.rank} (pid ${m.pid} on ${m.host})`;
const ahead = (a: Position, b: Position) => a.step > b.step || (a.step === b.step && a.applied.length > b.applied.length);

/** ABORT to every member, their positions, and the furthest replica's state to those behind it. */
export async function levelReplicas(h: LevelingHooks, answers: AbortAnswers, members: readonly Member[], step: number): Promise<Level> {
  const positions = await Promise.all(
    members.map(async (m) => {
      const answer = answers.expect(m); // before the ABORT: its answer may come at once
      await h.sendTo(m, { type: 'ABORT', run: h.run, step }, 'ABORT');
      return answer;
    }),
  );
  let target: Position = { step, applied: [] };
  let source: Member | null = null;
  positions.forEach((p, i) => {
    if (source === null || ahead(p, target)) [target, source] = [p, members[i]!];
  });
  let taken: Promise<Message> | null = null;
  let snapshotMs: number | null = null;
  const state = () =>
    (taken ??= (async () => {
      const asked = performance.now();
      const message = await stateFrom(h, source!, target);
      snapshotMs = Math.round(performance.now() - asked);
      return message;
    })());
  const behind = members.filter((_, i) => ahead(target, positions[i]!));
  if (behind.length > 0) {
    h.log.warn(`replicas stood apart when the members changed: ${behind.map(who).join(', ')} get the state of ${who(source!)} (step ${target.step + 1}, phases applied: ${target.applied.join(', ') || 'none'})`, { behind: behind.map((m) => m.rank), source: source!.rank, step: target.step, applied: target.applied });
  }
  for (const m of behind) await h.sendTo(m, await state(), 'the state of the furthest replica');
  return { target, source, state, snapshotMs: () => snapshotMs };
}

async function stateFrom(h: LevelingHooks, source: Member, target: Position): Promise<Message> {
  const snap = await h.replies.request(source, { type: 'SNAPSHOT_REQUEST', run: h.run, step: target.step, scope: 'full' });
  return { type: 'STATE', run: h.run, step: target.step, scope: 'full', entries: snap.entries, data: snap.data, ...(target.applied.length > 0 ? { applied: target.applied } : {}) };
}

// The solo plane (one worker averages alone): auto's choice for exactly one member, never a
// choice by name; its worker end hands back the worker's own gradient (the bits the star's
// coordinator sends back to a lone worker, -0 and NaN payloads included) without a message.
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type Message, type ReducedMessage } from '@dgm/protocol';
import type { CoordinatorPlaneContext, PlaneMember, WorkerPlaneContext } from '../src/api.js';
import { OutOfTurnError } from '../src/api.js';
import { PLANE_CHOICES } from '../src/names.js';
import { choosePlane, PLANES } from '../src/registry.js';
import { StarRound } from '../src/star/index.js';
import { WorkerPlanes } from '../src/worker-planes.js';

const member = (rank: number, shm: boolean): PlaneMember => ({ rank, pid: 100 + rank, host: 'h', shm: shm ? { id: 'boot:1', path: `/dev/shm/dgm-${rank}-aaaaaaaaaaaa.seg` } : null });

/** The bits the star's coordinator sends a lone worker for `grads`. */
function starAlone(grads: Float32Array): Float32Array {
  let reduced: ReducedMessage | null = null;
  const ms = [member(0, false)];
  const ctx: CoordinatorPlaneContext<PlaneMember> = { run: 'r', gradSizes: { d: grads.length }, members: () => ms, send: async (_t, m) => void (reduced = m as ReducedMessage), lost: () => undefined, dropped: (_m, why) => { throw new Error(why); } };
  const round = new StarRound(ctx);
  round.begin(0);
  round.onMessage(ms[0]!, { type: 'GRADS', run: 'r', step: 0, phase: 'd', sampleCount: 5, grads });
  return Float32Array.from(reduced!.grads);
}

describe('the solo plane', () => {
  it("is auto's choice for exactly one member (with or without a segment), never for two, and cannot be named", () => {
    expect(choosePlane('auto', [member(0, true)]).name).toBe('solo');
    expect(choosePlane('auto', [member(3, false)]).name).toBe('solo');
    expect(choosePlane('auto', [member(0, true), member(1, true)]).name).toBe('shared');
    expect(choosePlane('auto', [member(0, false), member(1, false)]).name).toBe('star');
    expect(choosePlane('star', [member(0, true)]).name).toBe('star'); // a user who names the star gets it
    expect(PLANE_CHOICES as readonly string[]).not.toContain('solo');
    expect(PLANES.solo.unavailable([member(0, true), member(1, true)])).toBe("data plane 'solo' serves a run of exactly one worker, and this run has 2; use 'auto'.");
  });

  it('is set up by SOLO (which survives the wire), and its coordinator end sees no phase', () => {
    const setup = PLANES.solo.setup('r', [member(0, false)])!;
    expect(setup).toEqual({ type: 'SOLO', run: 'r' });
    const back = decodeMessage(encodeMessage(setup).map((f) => Buffer.from(f)), { run: 'r' });
    expect(back).toEqual({ ok: true, message: setup });
    const end = PLANES.solo.coordinatorEnd({ run: 'r', gradSizes: { d: 3 }, members: () => [member(0, false)], send: async () => undefined, lost: () => undefined, dropped: () => undefined });
    expect(end.name).toBe('solo');
    expect(end.phases).toEqual([]);
  });

  it("hands back the worker's own gradient, the star's bits for a lone worker, without sending anything", async () => {
    const sent: Message[] = [];
    const context: WorkerPlaneContext = { run: 'r', rank: 0, worldSize: 1, send: async (m) => void sent.push(m), timeoutMs: 1000 };
    const planes = new WorkerPlanes();
    planes.admit(context);
    expect(planes.plane).toBe('star'); // until the setup names another
    expect(planes.setUp({ type: 'SOLO', run: 'r' }, true)).toBe('solo');
    const grads = Float32Array.from([1.5, -0, 0, 1e-40, -3e38, NaN, Infinity]);
    const reduced = await planes.reduce('d', 0, grads, 5);
    expect(Buffer.from(reduced.buffer, reduced.byteOffset, reduced.byteLength).equals(Buffer.from(starAlone(grads).buffer))).toBe(true);
    expect(sent).toEqual([]);
    // Nothing of the plane's may arrive: a REDUCED is out of turn (dropped by the session).
    expect(() => planes.deliver({ type: 'REDUCED', run: 'r', step: 0, phase: 'd', grads })).toThrow(OutOfTurnError);
    // An elastic run's ABORT: later reduces fail until the next setup; the worker is back on the star.
    const aborted = new Error('members changed');
    planes.reset(aborted);
    expect(planes.plane).toBe('star');
    planes.close();
  });

  it('after fail() every reduce rejects (the run ended)', async () => {
    const end = PLANES.solo.workerEnd({ run: 'r', rank: 0, worldSize: 1, send: async () => undefined, timeoutMs: 1000 }, { type: 'SOLO', run: 'r' }, null);
    const gone = new Error('the coordinator is gone');
    end.fail(gone);
    await expect(end.reduce('d', 1, new Float32Array(2), 1)).rejects.toBe(gone);
    expect(() => PLANES.solo.workerEnd({ run: 'r', rank: 0, worldSize: 1, send: async () => undefined, timeoutMs: 1000 }, null, null)).toThrow(OutOfTurnError);
  });
});

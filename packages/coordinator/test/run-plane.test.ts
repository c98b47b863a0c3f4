// The plane an elastic run sets up again when its members change (run-plane.ts): the run's plane
// for the new members when it can serve them (solo for one member under auto), else what auto picks
// for them with a warning saying why (the start itself is stricter: a plane asked for by name that
// cannot serve is the user's error, exit 2).
import { describe, expect, it } from 'vitest';
import { createDgmLogger } from '@dgm/protocol/log';
import { CoordinatorOptionsError } from '../src/errors.js';
import type { Member, Membership } from '../src/membership.js';
import { RunPlane } from '../src/run-plane.js';
import type { WorkerRouter } from '../src/worker-router.js';

const member = (rank: number, shm: string | null, fs = 'boot:1'): Member =>
  ({ rank, pid: 100 + rank, host: 'h', backend: 'wasm', device: 'cpu', lastHeard: 0, peer: { key: `k${rank}` }, shm: shm === null ? null : { id: fs, path: shm }, ring: null }) as unknown as Member;

function plane(dataPlane: 'auto' | 'shared') {
  const warnings: string[] = [];
  const log = createDgmLogger({ process: 'coordinator', echoLevel: 'warn', echo: (level, message) => level === 'warn' && warnings.push(message) });
  const runPlane = new RunPlane({
    o: { run: 'r', dataPlane, wire: 'fp32', stepTimeoutMs: 1000 },
    gradSizes: { vae: 10 },
    membership: { members: [] } as unknown as Membership,
    router: {} as WorkerRouter, // open() sends nothing: the settle sends the setup it returns
    log,
    changes: () => ({ elastic: true }) as never,
    drop: () => undefined,
  });
  return { runPlane, warnings };
}

describe('the data plane after a change of members', () => {
  it('is set up again for the new members (a setup listing their fresh segments), without a warning', () => {
    const { runPlane, warnings } = plane('auto');
    expect(runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg'), member(1, '/dev/shm/dgm-2-bbbbbbbbbbbb.seg'), member(2, '/dev/shm/dgm-3-cccccccccccc.seg')], false)).toMatchObject({ type: 'PLANE' });
    const setup = runPlane.open([member(0, '/dev/shm/dgm-1-dddddddddddd.seg'), member(3, '/dev/shm/dgm-4-eeeeeeeeeeee.seg')], true);
    expect(setup).toEqual({ type: 'PLANE', run: 'r', segments: ['/dev/shm/dgm-1-dddddddddddd.seg', '/dev/shm/dgm-4-eeeeeeeeeeee.seg'] });
    expect(runPlane.plane!.name).toBe('shared');
    expect(warnings).toEqual([]);
  });

  it('gives way to the star, with a warning saying why, when the plane cannot serve the new members', () => {
    // --data-plane shared, and a joiner offered no segment: at the start the user's error, after a change the star.
    const named = plane('shared');
    expect(() => named.runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg'), member(1, null)], false)).toThrow(CoordinatorOptionsError);
    expect(named.runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg'), member(4, null)], true)).toBeNull();
    expect(named.runPlane.plane!.name).toBe('star');
    expect(named.warnings).toEqual([expect.stringMatching(/^the data plane could not be set up again for the new members, so gradients go through the coordinator \(star\) until the members change again: data plane 'shared' needs a shared-memory segment from every worker, and rank 4 \(h\) offered none/)]);
    // auto, started on shared, and a joiner on another shared-memory filesystem (another host).
    const auto = plane('auto');
    auto.runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg'), member(1, '/dev/shm/dgm-2-bbbbbbbbbbbb.seg')], false);
    auto.runPlane.open([member(0, '/dev/shm/dgm-1-cccccccccccc.seg'), member(5, '/dev/shm/dgm-6-dddddddddddd.seg', 'boot:2')], true);
    expect(auto.runPlane.plane!.name).toBe('star');
    expect(auto.warnings).toEqual([expect.stringMatching(/until the members change again: data plane 'shared' needs every worker on one shared-memory filesystem/)]);
    // One member left: it averages alone (solo), and no warning is due.
    const alone = plane('auto');
    alone.runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg'), member(1, '/dev/shm/dgm-2-bbbbbbbbbbbb.seg')], false);
    expect(alone.runPlane.open([member(0, '/dev/shm/dgm-1-cccccccccccc.seg')], true)).toEqual({ type: 'SOLO', run: 'r' });
    expect(alone.runPlane.plane!.name).toBe('solo');
    expect(alone.warnings).toEqual([]);
    // --data-plane shared down to one member: shared cannot serve one, so it averages alone, said once.
    const namedAlone = plane('shared');
    namedAlone.runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg'), member(1, '/dev/shm/dgm-2-bbbbbbbbbbbb.seg')], false);
    namedAlone.runPlane.open([member(1, '/dev/shm/dgm-2-cccccccccccc.seg')], true);
    expect(namedAlone.runPlane.plane!.name).toBe('solo');
    expect(namedAlone.warnings).toEqual([
      "the data plane could not be set up again for the new members, so the one worker left averages alone (solo) until the members change again: data plane 'shared' needs at least 2 workers; use 'auto' or 'star'.",
    ]);
  });

  it('one member to start with averages alone; a join moves the run to the plane auto picks for two, without a warning', () => {
    const { runPlane, warnings } = plane('auto');
    expect(runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg')], false)).toEqual({ type: 'SOLO', run: 'r' });
    expect(runPlane.plane!.name).toBe('solo');
    expect(runPlane.open([member(0, '/dev/shm/dgm-1-bbbbbbbbbbbb.seg'), member(1, '/dev/shm/dgm-2-cccccccccccc.seg')], true)).toMatchObject({ type: 'PLANE' });
    expect(runPlane.plane!.name).toBe('shared');
    // A joiner without a segment: the star serves the two; solo was no plane for two, so nothing to regret.
    const noShm = plane('auto');
    noShm.runPlane.open([member(0, '/dev/shm/dgm-1-aaaaaaaaaaaa.seg')], false);
    expect(noShm.runPlane.open([member(0, '/dev/shm/dgm-1-bbbbbbbbbbbb.seg'), member(1, null)], true)).toBeNull();
    expect(noShm.runPlane.plane!.name).toBe('star');
    expect([...warnings, ...noShm.warnings]).toEqual([]);
  });
});

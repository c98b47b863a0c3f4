// The shared-memory plane's parts on real files in /dev/shm: the SIMD sum, the chunking, the
// segments, and N reducers averaging through their segments, telling each other their turns over
// their real turn sockets (the coordinator is not involved; the runs in the coordinator's
// process tests exercise the whole).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { encodeMessage, type TurnMessage } from '@dgm/protocol';
import { chunkOf, OwnSegment, PeerSegment, PeerTurns, segmentLayout, sharedMemoryId, SharedMemoryReducer, WeightedSum } from '../src/bench.js';
import { turnFrame, turnPathOf } from '../src/shared/peer-turns.js';
import { isSegmentPath, SegmentError } from '../src/shared/segment.js';
import { stageId, TURN_SPIN_MS, turnSpinMs, TurnWords } from '../src/shared/turn-words.js';

const haveShm = sharedMemoryId() !== null;

/** Resolves once `cond` holds, failing after `ms`. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not so within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A deterministic pseudo-random float in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

describe('WeightedSum (WebAssembly SIMD)', () => {
  it('rounds exactly like the scalar float32 formula, for any length and weights', () => {
    const f = Math.fround;
    const sum = new WeightedSum(1003);
    expect(sum.capacity).toBe(1004);
    const r = noise(1);
    for (const n of [1, 3, 4, 5, 17, 1003]) {
      for (let i = 0; i < n; i++) {
        sum.a[i] = r() * 10 ** Math.floor(r() * 8);
        sum.b[i] = r();
      }
      const [wa, wb] = [5 / 13, 8 / 13];
      const a = sum.a.slice(0, n);
      const b = sum.b.slice(0, n);
      sum.combine(wa, wb, n);
      const expected = Array.from(a, (x, i) => f(f(x * f(wa)) + f(b[i] * f(wb))));
      expect(Array.from(sum.out.subarray(0, n))).toEqual(expected);
      sum.a.set(b);
      sum.accumulate(1 / 3, n);
      expect(Array.from(sum.out.subarray(0, n))).toEqual(expected.map((e, i) => f(e + f(b[i] * f(1 / 3)))));
    }
    expect(() => sum.combine(1, 1, 1005)).toThrow(RangeError);
    // An output larger than the operands: a chunk computed at its place in a whole gradient.
    const wide = new WeightedSum(8, 20);
    wide.a.fill(2);
    wide.b.fill(3);
    wide.out.fill(-1);
    wide.combine(0.5, 1, 8, 12);
    expect(Array.from(wide.out)).toEqual([...Array(12).fill(-1), ...Array(8).fill(4)]);
    wide.accumulate(0.25, 4, 12);
    expect(Array.from(wide.out.subarray(12, 17))).toEqual([4.5, 4.5, 4.5, 4.5, 4]);
    expect(() => wide.combine(1, 1, 8, 14)).toThrow(/offsets are multiples of 4/);
    expect(() => wide.combine(1, 1, 8, 16)).toThrow(RangeError);
  });
});

describe('chunkOf', () => {
  it('splits [0, n) into contiguous lane-aligned chunks in rank order, whatever n and the world size', () => {
    for (const n of [1, 3, 4, 7, 64, 1001, 65536]) {
      for (const world of [1, 2, 3, 4, 7]) {
        let next = 0;
        for (let rank = 0; rank < world; rank++) {
          const [s, e] = chunkOf(n, world, rank);
          expect(s).toBe(Math.min(next, n));
          expect(s % 4 === 0 || s === n).toBe(true);
          expect(e).toBeGreaterThanOrEqual(s);
          next = e;
        }
        expect(next).toBe(n);
      }
    }
  });
});

describe.runIf(haveShm)('segments in /dev/shm', () => {
  it('removes segments left by processes that no longer exist, and only those', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const orphan = `/dev/shm/dgm-${dead.stdout}-0123456789ab.seg`;
    const unrelated = `/dev/shm/dgm-${dead.stdout}-notours.txt`;
    writeFileSync(orphan, 'x');
    writeFileSync(unrelated, 'x');
    const live = OwnSegment.create(64)!;
    try {
      expect(existsSync(orphan)).toBe(false); // create() swept it
      expect(existsSync(unrelated)).toBe(true);
      expect(existsSync(live.path)).toBe(true);
    } finally {
      live.close();
      rmSync(unrelated, { force: true });
      rmSync(orphan, { force: true });
    }
  });

  it('recognises segment paths: only files named as workers name them, in /dev/shm', () => {
    const own = OwnSegment.create(64)!;
    expect(isSegmentPath(own.path)).toBe(true);
    own.close();
    for (const bad of ['/etc/passwd', '/dev/shm/dgm-1-0123456789ab.seg.bak', '/dev/shm/../etc/dgm-1-0123456789ab.seg', '/tmp/dgm-1-0123456789ab.seg', '/dev/shm/dgm-x-0123456789ab.seg']) {
      expect(isSegmentPath(bad)).toBe(false);
    }
  });

  it('lays phases out on 64-byte boundaries and refuses what does not fit or does not match', () => {
    const layout = segmentLayout({ g: 5, d: 16 });
    expect(layout.phases.d).toEqual({ phase: 'd', size: 16, gradsOffset: 0, sumsOffset: 64 });
    expect(layout.phases.g).toEqual({ phase: 'g', size: 5, gradsOffset: 128, sumsOffset: 192 });
    expect(layout.turnsOffset).toBe(256); // the turn words, after the gradients
    expect(layout.bytes).toBe(320);
    expect(OwnSegment.create(2 ** 50)).toBeNull(); // more than the filesystem has: no segment, the star is used
    const own = OwnSegment.create(layout.bytes)!;
    expect(existsSync(own.path)).toBe(true);
    expect(() => PeerSegment.open(own.path, 512, 1)).toThrow(/segment of rank 1 .* has 320 bytes; this model's layout needs 512/);
    expect(() => PeerSegment.open('/dev/shm/dgm-missing.seg', 320, 2)).toThrow(SegmentError);
    expect(() => PeerSegment.open('/dev/shm/dgm-missing.seg', 320, 2)).toThrow(/cannot open the shared-memory segment of rank 2/);
    const peer = PeerSegment.open(own.path, 320, 0);
    own.write(Float32Array.of(1.5, -2), 8);
    const back = new Float32Array(2);
    peer.read(back, 8);
    expect(Array.from(back)).toEqual([1.5, -2]);
    own.close();
    expect(existsSync(own.path)).toBe(false);
    peer.read(back, 8); // an unlinked segment stays readable for whoever opened it
    expect(Array.from(back)).toEqual([1.5, -2]);
    expect(() => peer.read(new Float32Array(2), 316)).toThrow(/ended at byte 320; it was truncated/);
    peer.close();
  });

  it('turn words: a stage is heard once every peer wrote its id, with each rank\'s count', () => {
    const layout = segmentLayout({ vae: 8 });
    const owns = [0, 1].map(() => OwnSegment.create(layout.bytes)!);
    const opened = owns.map((_, rank) => owns.map((o, q) => (q === rank ? null : PeerSegment.open(o.path, layout.bytes, q))));
    const words = [0, 1].map((rank) => new TurnWords(rank, owns[rank]!, opened[rank]!, layout.turnsOffset, 0));
    const id = (step: number) => stageId(step, 0, 1, 'whole');
    words[1]!.say(id(0), 3);
    expect(words[1]!.hear(id(0), 3)).toBeNull(); // rank 0 said nothing yet: a fresh segment's words are 0, no stage's id
    words[0]!.say(id(0), 5);
    expect(words[0]!.hear(id(0), 5)).toEqual([5, 3]);
    expect(words[1]!.hear(id(0), 3)).toEqual([5, 3]);
    // Rank 0 goes on to the next stage, into the other slot: rank 1, which has not looked yet (it
    // was descheduled, say), still finds the stage it waits for, with rank 0's count for it; then
    // the next stage is heard with the new counts.
    words[0]!.say(id(1), 7);
    expect(words[1]!.hear(id(0), 3)).toEqual([5, 3]);
    words[1]!.say(id(1), 2);
    expect(words[1]!.hear(id(1), 2)).toEqual([7, 2]);
    expect(words[0]!.hear(id(1), 7)).toEqual([7, 2]);
    // A peer at another stage is not at this one; the look is bounded by the spin.
    const spinning = new TurnWords(0, owns[0]!, opened[0]!, layout.turnsOffset, 20);
    const started = performance.now();
    expect(spinning.hear(id(2), 1)).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    opened.flat().forEach((p) => p?.close());
    owns.forEach((o) => o.close());
  });

  it('gives every stage of nearby steps its own id, never 0', () => {
    const ids = new Set<number>();
    for (let step = 0; step < 50; step++) for (const phase of [0, 1, 2]) for (const stage of ['grads', 'sums', 'whole'] as const) ids.add(stageId(step, phase, 3, stage));
    expect(ids.size).toBe(50 * 3 * 3);
    expect(ids.has(0)).toBe(false);
    expect(stageId(0xffffffff / 3 - 1, 0, 1, 'whole')).toBeGreaterThan(0); // past 2^32 it wraps, skipping 0
  });

  it('spins only when every rank of the host can have a core', () => {
    expect(turnSpinMs(2, 2)).toBe(TURN_SPIN_MS);
    expect(turnSpinMs(3, 2)).toBe(0);
  });

  /** N reducers over real segments, taking their turns over their real sockets (each stage said is recorded). */
  function group(gradSizes: Record<string, number>, world: number, timeoutMs = 5000, spinMs?: number) {
    const layout = segmentLayout(gradSizes);
    const owns = Array.from({ length: world }, () => OwnSegment.create(layout.bytes)!);
    const reducers: SharedMemoryReducer[] = [];
    const turns: PeerTurns[] = [];
    const said: string[] = [];
    /** By rank: stages decided through the turn words (PeerTurns.settle). */
    const settled: number[] = Array.from({ length: world }, () => 0);
    const drops: string[] = [];
    for (let rank = 0; rank < world; rank++) {
      const peers = owns.map((o, q) => (q === rank ? null : PeerSegment.open(o.path, layout.bytes, q)));
      const t = new PeerTurns('run', rank, owns.map((o) => o.path), { run: 'run', gradSizes }, timeoutMs, (reason) => void drops.push(reason));
      const stage = t.stage.bind(t);
      t.stage = (step, phase, st, count) => (said.push(st), stage(step, phase, st, count));
      const settle = t.settle.bind(t);
      t.settle = (...args) => (settled[rank]!++, settle(...args));
      turns.push(t);
      reducers.push(new SharedMemoryReducer(rank, owns[rank]!, peers, layout, t, spinMs));
    }
    const close = () => {
      reducers.forEach((r) => r.close());
      owns.forEach((o) => o.close());
    };
    return { reducers, owns, turns, said, settled, drops, close };
  }

  it.each([
    [3, { d: 600_001, g: 37 }, 'grads sums whole'],
    [2, { d: 1_100_001, g: 37 }, 'grads sums whole'],
    [2, { d: 1001, g: 37 }, 'whole'],
  ] as const)('%i ranks get the same bits: the sample-weighted mean, step after step, phase after phase', async (world, sizes, stages) => {
    const { reducers, owns, said, drops, close } = group(sizes, world);
    const counts = [5, 3, 8].slice(0, world);
    const total = counts.reduce((a, c) => a + c, 0);
    const r = noise(7);
    for (const step of [0, 1]) {
      for (const phase of ['d', 'g'] as const) {
        const grads = counts.map(() => Float32Array.from({ length: sizes[phase] }, () => r()));
        const results = await Promise.all(reducers.map((red, rank) => red.reduce(phase, step, grads[rank]!, counts[rank]!)));
        const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        for (const res of results.slice(1)) expect(bytes(res).equals(bytes(results[0]!))).toBe(true);
        expect(results[0]!.length).toBe(sizes[phase]);
        let worst = 0;
        for (let i = 0; i < sizes[phase]; i++) worst = Math.max(worst, Math.abs(counts.reduce((a, c, q) => a + c * grads[q]![i]!, 0) / total - results[0]![i]!));
        expect(worst).toBeLessThan(1e-6);
      }
    }
    // After the first round nobody needs the names: the files (segments and turn sockets) are gone,
    // their memory is not. (A turn socket's name goes once its peers' TURNs are read, which a rank
    // that met them through the turn words does at its event loop's next turn.)
    await until(() => owns.every((o) => !existsSync(o.path) && !existsSync(turnPathOf(o.path))));
    expect([...new Set(said)].sort().join(' ')).toBe(stages);
    expect(drops).toEqual([]);
    close();
  });

  it('the turn words decide for a rank whose peers said first; the same bits, every socket TURN still taken in, none dropped', async () => {
    const sizes = { d: 1001, g: 37 };
    const { reducers, owns, settled, drops, turns, close } = group(sizes, 2);
    const r = noise(3);
    for (let step = 0; step < 30; step++) {
      for (const phase of ['d', 'g'] as const) {
        const grads = [0, 1].map(() => Float32Array.from({ length: sizes[phase] }, () => r()));
        // Both ranks in this one thread: rank 0 says first and finds no word of rank 1 within its
        // spin (rank 1 has not run), so it waits on its socket; rank 1 then finds rank 0's word at once.
        const results = await Promise.all(reducers.map((red, rank) => red.reduce(phase, step, grads[rank]!, rank + 1)));
        const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        expect(bytes(results[1]!).equals(bytes(results[0]!))).toBe(true);
        expect(results[0]![7]).toBeCloseTo((grads[0]![7]! + 2 * grads[1]![7]!) / 3, 6);
      }
    }
    // Rank 0 never (rank 1 had not run), rank 1 nearly always (a look on the sockets when its
    // backlog of unread socket TURNs reached the bound is allowed).
    expect(settled[0]).toBe(0);
    expect(settled[1]).toBeGreaterThanOrEqual(50);
    await until(() => turns.every((t) => t.backlog === 0) && owns.every((o) => !existsSync(turnPathOf(o.path))));
    expect(drops).toEqual([]);
    close();
  });

  it('TURNs of stages settled through the words are taken in when they come, however far behind, and none is dropped', async () => {
    const { turns, drops, close } = group({ vae: 8 }, 2);
    // 20 stages said and settled on both sides without a turn of the event loop: no socket is
    // read meanwhile (a worker whose steps never wait), so the TURNs are all behind the words.
    for (let step = 0; step < 20; step++) {
      const waits = turns.map((t) => t.stage(step, 'vae', 'whole', 1));
      turns.forEach((t) => t.settle(step, 'vae', 'whole', [1, 1]));
      await Promise.all(waits.map((w) => expect(w).resolves.toEqual([1, 1])));
    }
    expect(turns.map((t) => t.backlog)).toEqual([20, 20]);
    await until(() => turns.every((t) => t.backlog === 0));
    expect(drops).toEqual([]);
    // A stage the sockets answered is not settled again (settle() after it changes nothing).
    const both = await Promise.all(turns.map((t) => t.stage(20, 'vae', 'whole', 2)));
    expect(both).toEqual([[2, 2], [2, 2]]);
    turns.forEach((t) => t.settle(20, 'vae', 'whole', [9, 9]));
    expect(turns.map((t) => t.backlog)).toEqual([0, 0]);
    close();
  });

  it('a peer later than the spin: the sockets decide for the rank that waited, the words for the late one', async () => {
    const { reducers, settled, drops, close } = group({ vae: 8 }, 2, 5000, 0.2);
    const early = reducers[0]!.reduce('vae', 0, Float32Array.from({ length: 8 }, () => 1), 1);
    await new Promise((r) => setTimeout(r, 30));
    const late = reducers[1]!.reduce('vae', 0, Float32Array.from({ length: 8 }, () => 4), 2);
    const [a, b] = await Promise.all([early, late]);
    expect(Array.from(a!)).toEqual(Array.from({ length: 8 }, () => 3));
    expect(Array.from(b!)).toEqual(Array.from(a!));
    expect(settled).toEqual([0, 1]);
    expect(drops).toEqual([]);
    close();
  });

  it('a stage a peer never says ends by timeout naming it; fail() ends the wait and every later reduce()', async () => {
    const { reducers, close } = group({ vae: 8 }, 2, 100);
    await expect(reducers[0]!.reduce('vae', 0, new Float32Array(8), 1)).rejects.toThrow("no TURN 'whole' for phase 'vae' of step 0 from rank 1 within 100 ms");
    const waiting = reducers[1]!.reduce('vae', 1, new Float32Array(8), 1);
    reducers[1]!.fail(new Error('coordinator gone'));
    await expect(waiting).rejects.toThrow('coordinator gone');
    await expect(reducers[1]!.reduce('vae', 2, new Float32Array(8), 1)).rejects.toThrow('coordinator gone');
    expect(() => reducers[0]!.deliver({ type: 'REDUCED', run: 'run', step: 9, phase: 'vae', grads: new Float32Array(8) })).toThrow(/REDUCED is not a message of the shared-memory plane/);
    close();
  });

  it('drops what is not a TURN of this run from a peer (junk, another run, its own rank, a repeat), and averages on', async () => {
    const { reducers, owns, drops, close } = group({ vae: 8 }, 2);
    await new Promise((r) => setTimeout(r, 50)); // rank 0 is listening
    const intruder = createConnection(turnPathOf(owns[0]!.path));
    await new Promise((r) => intruder.once('connect', r));
    const turn = (m: Partial<TurnMessage>) => turnFrame(encodeMessage({ type: 'TURN', run: 'run', rank: 1, step: 0, phase: 'vae', stage: 'whole', sampleCount: 1, ...m } as TurnMessage));
    intruder.write(turnFrame([Buffer.from('not a message')]));
    intruder.write(turn({ run: 'other' }));
    intruder.write(turn({ rank: 0 }));
    intruder.write(turn({ rank: 7 }));
    intruder.write(turn({ step: 5, sampleCount: 3 })); // a stage rank 1 never said: kept, never read
    intruder.write(turn({ step: 5, sampleCount: 3 })); // ... and its repeat
    // A stream that breaks the framing is cut off, and the rest goes on.
    const liar = createConnection(turnPathOf(owns[1]!.path));
    liar.write(Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    await new Promise((r) => liar.once('close', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(drops).toHaveLength(6);
    expect(drops).toContain('a frame of more than 4096 bytes on the turn socket; the connection was closed');
    drops.splice(drops.indexOf('a frame of more than 4096 bytes on the turn socket; the connection was closed'), 1);
    expect(drops.slice(1)).toEqual([
      "bad TURN: run id 'other' is not this run ('run')",
      'a TURN from rank 0, which is not a peer',
      'a TURN from rank 7, which is not a peer',
      'a second TURN from rank 1 for 5/vae/whole',
    ]);
    const grads = [Float32Array.from({ length: 8 }, (_, i) => i), Float32Array.from({ length: 8 }, () => 1)];
    const results = await Promise.all(reducers.map((r, q) => r.reduce('vae', 0, grads[q]!, q + 1)));
    expect(Array.from(results[0]!)).toEqual(Array.from(results[1]!));
    expect(results[0]![3]).toBeCloseTo((3 * 1 + 1 * 2) / 3, 6);
    intruder.destroy();
    close();
  });

  it('keeps a single-stage gradient readable until every peer took its next turn: the two regions alternate by step', async () => {
    const { reducers, owns, close } = group({ vae: 8 }, 2);
    const layout = segmentLayout({ vae: 8 });
    const view = PeerSegment.open(owns[0]!.path, layout.bytes, 0);
    const g = (step: number) => Float32Array.from({ length: 8 }, (_, i) => step * 100 + i);
    for (const step of [0, 1]) await Promise.all(reducers.map((r) => r.reduce('vae', step, g(step), 1)));
    // Rank 0's step-1 gradient did not overwrite step 0's, which a peer still reading step 0 (a
    // rank that started step 1 early: STEPs are sent ahead) would otherwise read half-changed.
    const region = layout.phases.vae!;
    const at = (offset: number) => {
      const into = new Float32Array(8);
      view.read(into, offset);
      return Array.from(into);
    };
    expect(at(region.gradsOffset)).toEqual(Array.from(g(0)));
    expect(at(region.sumsOffset)).toEqual(Array.from(g(1)));
    view.close();
    close();
  });
});

// The shared-memory plane's parts on real files in /dev/shm: the SIMD sum, the chunking, the
// segments, and N reducers averaging through their segments (the barrier between the stages is
// played here by a few lines standing in for the coordinator; the coordinator's real barrier and
// the sockets are exercised by the coordinator's process tests).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Message, ProceedMessage, WrittenMessage } from '@dgm/protocol';
import { chunkOf, OwnSegment, PeerSegment, segmentLayout, sharedMemoryId, SharedMemoryReducer, WeightedSum } from '../src/bench.js';
import { isSegmentPath, SegmentError } from '../src/shared/segment.js';

const haveShm = sharedMemoryId() !== null;

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
    expect(layout.bytes).toBe(256);
    expect(OwnSegment.create(2 ** 50)).toBeNull(); // more than the filesystem has: no segment, the star is used
    const own = OwnSegment.create(layout.bytes)!;
    expect(existsSync(own.path)).toBe(true);
    expect(() => PeerSegment.open(own.path, 512, 1)).toThrow(/segment of rank 1 .* has 256 bytes; this model's layout needs 512/);
    expect(() => PeerSegment.open('/dev/shm/dgm-missing.seg', 256, 2)).toThrow(SegmentError);
    expect(() => PeerSegment.open('/dev/shm/dgm-missing.seg', 256, 2)).toThrow(/cannot open the shared-memory segment of rank 2/);
    const peer = PeerSegment.open(own.path, 256, 0);
    own.write(Float32Array.of(1.5, -2), 8);
    const back = new Float32Array(2);
    peer.read(back, 8);
    expect(Array.from(back)).toEqual([1.5, -2]);
    own.close();
    expect(existsSync(own.path)).toBe(false);
    peer.read(back, 8); // an unlinked segment stays readable for whoever opened it
    expect(Array.from(back)).toEqual([1.5, -2]);
    expect(() => peer.read(new Float32Array(2), 252)).toThrow(/ended at byte 256; it was truncated/);
    peer.close();
  });

  /** N reducers over real segments, with a stand-in barrier that answers WRITTEN as a coordinator does. */
  function group(gradSizes: Record<string, number>, world: number, timeoutMs = 5000) {
    const layout = segmentLayout(gradSizes);
    const owns = Array.from({ length: world }, () => OwnSegment.create(layout.bytes)!);
    const written = new Map<string, Map<number, number>>();
    const reducers: SharedMemoryReducer[] = [];
    const sent: Message[] = [];
    const barrier = async (rank: number, m: Message) => {
      sent.push(m);
      const w = m as WrittenMessage;
      const key = `${w.step}/${w.phase}/${w.stage}`;
      const seen = written.get(key) ?? new Map<number, number>();
      written.set(key, seen.set(rank, w.sampleCount));
      if (seen.size < world) return;
      const first = written.get(`${w.step}/${w.phase}/grads`) ?? written.get(`${w.step}/${w.phase}/whole`)!;
      const counts = Array.from({ length: world }, (_, q) => first.get(q)!);
      const proceed: ProceedMessage = { type: 'PROCEED', run: 'run', step: w.step, phase: w.phase, stage: w.stage, counts };
      setImmediate(() => reducers.forEach((r) => r.deliver(proceed)));
    };
    for (let rank = 0; rank < world; rank++) {
      const peers = owns.map((o, q) => (q === rank ? null : PeerSegment.open(o.path, layout.bytes, q)));
      reducers.push(new SharedMemoryReducer('run', rank, owns[rank]!, peers, layout, (m) => barrier(rank, m), timeoutMs));
    }
    const close = () => {
      reducers.forEach((r) => r.close());
      owns.forEach((o) => o.close());
    };
    return { reducers, owns, sent, close };
  }

  it.each([
    [3, { d: 600_001, g: 37 }, 'grads sums whole'],
    [2, { d: 1_100_001, g: 37 }, 'grads sums whole'],
    [2, { d: 1001, g: 37 }, 'whole'],
  ] as const)('%i ranks get the same bits: the sample-weighted mean, step after step, phase after phase', async (world, sizes, stages) => {
    const { reducers, owns, sent, close } = group(sizes, world);
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
    // After the first round nobody needs the names: the files are gone, their memory is not.
    expect(owns.every((o) => !existsSync(o.path))).toBe(true);
    const used = new Set(sent.map((m) => (m as WrittenMessage).stage));
    expect([...used].sort().join(' ')).toBe(stages);
    close();
  });

  it('a stage nobody answers ends by timeout; fail() ends the wait and every later reduce()', async () => {
    const { reducers, close } = group({ vae: 8 }, 2, 100);
    await expect(reducers[0]!.reduce('vae', 0, new Float32Array(8), 1)).rejects.toThrow("no PROCEED 'whole' for phase 'vae' of step 0 within 100 ms");
    const waiting = reducers[1]!.reduce('vae', 1, new Float32Array(8), 1);
    reducers[1]!.fail(new Error('coordinator gone'));
    await expect(waiting).rejects.toThrow('coordinator gone');
    await expect(reducers[1]!.reduce('vae', 2, new Float32Array(8), 1)).rejects.toThrow('coordinator gone');
    expect(() => reducers[0]!.deliver({ type: 'PROCEED', run: 'run', step: 9, phase: 'vae', stage: 'grads', counts: [1, 1] })).toThrow(/arrived while nothing was awaited/);
    close();
  });
});

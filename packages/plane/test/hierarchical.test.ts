// The hierarchical plane's parts that need no cluster (the whole plane runs across simulated hosts
// in tools/test/hierarchical-plane.test.ts): the wire formats' rounding, which plane `auto`
// picks, the topology of the parallel rings, the port ranges, and the setup message.
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, type Message } from '@dgm/protocol';
import { choosePlane } from '../src/registry.js';
import { parsePortRange } from '../src/names.js';
import type { PlaneMember } from '../src/api.js';
import { hierarchicalPlane } from '../src/hierarchical/index.js';
import { topologyOf, unevenHosts } from '../src/hierarchical/topology.js';
import { decodeChunk, encodeChunk, roundTrip } from '../src/hierarchical/wire-codec.js';
import { Bf16Kernel } from '../src/hierarchical/bf16-kernel.js';
import { CHUNK_FLOATS, chunkFloats, MIN_CHUNK_FLOATS } from '../src/hierarchical/ring-reducer.js';

const through = (values: number[], wire: 'bf16' | 'fp16') => {
  const out = new Float32Array(values.length);
  expect(decodeChunk(encodeChunk(new Float32Array(values), wire), wire, out)).toBe(true);
  return Array.from(out);
};

describe('wire formats', () => {
  it('the SIMD bf16 kernel gives the bits of the JavaScript codec, both ways, on every kind of float', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const kernel = new Bf16Kernel(memory);
    const n = 4096 + 3; // a ragged tail: whole lanes are processed, the caller owns the padding
    const bits = new Uint32Array(memory.buffer, 0, n + 1);
    let s = 7;
    for (let i = 0; i < n; i++) bits[i] = s = (Math.imul(s ^ (s >>> 13), 0x5bd1e995) + 0x9e3779b9) >>> 0;
    // zeros, infinities, NaNs (quiet, signalling, negative), the largest finite, ties to even, a carry into the exponent
    [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff, 0x7f7fffff, 0x3f808000, 0x3f818000, 0x3f80ffff, 0x00008000, 0x7f7f8000].forEach((v, i) => (bits[i] = v));
    const values = new Float32Array(memory.buffer, 0, n);
    const expected = encodeChunk(values, 'bf16');
    kernel.encode(0, 20_000, n);
    expect(Buffer.from(memory.buffer, 20_000, n * 2).equals(Buffer.from(expected))).toBe(true);
    kernel.decode(20_000, 40_000, n);
    const decoded = new Float32Array(n);
    decodeChunk(expected, 'bf16', decoded);
    expect(Buffer.from(memory.buffer, 40_000, n * 4).equals(Buffer.from(decoded.buffer))).toBe(true);
  });

  it('fp32 is bit-exact and every format halves or keeps the bytes', () => {
    const x = new Float32Array([1.1, -0, 3e-39, Infinity, NaN]);
    const y = new Float32Array(5);
    expect(decodeChunk(encodeChunk(x, 'fp32'), 'fp32', y)).toBe(true);
    expect(new Uint32Array(y.buffer)).toEqual(new Uint32Array(x.buffer));
    expect(encodeChunk(x, 'bf16').byteLength).toBe(10);
    expect(encodeChunk(x, 'fp16').byteLength).toBe(10);
    expect(decodeChunk(new Uint8Array(9), 'bf16', y)).toBe(false);
  });

  it('bf16 keeps the top 16 bits, rounded to nearest even', () => {
    expect(through([1, -2, 0.5], 'bf16')).toEqual([1, -2, 0.5]);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1); 1 + 3·2^-8 rounds up.
    expect(through([1 + 2 ** -8, 1 + 3 * 2 ** -8], 'bf16')).toEqual([1, 1 + 2 ** -6]);
    expect(through([NaN], 'bf16')[0]).toBeNaN();
  });

  it('fp16 is IEEE half: rounding to nearest even, subnormals, overflow to infinity', () => {
    expect(through([1, -0.5, 65504, 2 ** -24], 'fp16')).toEqual([1, -0.5, 65504, 2 ** -24]);
    expect(through([1 + 2 ** -11, 1 + 3 * 2 ** -11], 'fp16')).toEqual([1, 1 + 2 ** -9]);
    expect(through([65520, -1e6], 'fp16')).toEqual([Infinity, -Infinity]);
    expect(through([2 ** -26, 3 * 2 ** -25], 'fp16')).toEqual([0, 2 * 2 ** -24]);
    const v = new Float32Array([0.1234567, -3.3]);
    roundTrip(v, 'fp16');
    const again = Float32Array.from(v);
    roundTrip(again, 'fp16');
    expect(again).toEqual(v); // what a host keeps is exactly what the others decode
  });
});

const member = (rank: number, host: string, ring = true): PlaneMember => ({
  rank, pid: rank, host, shm: { id: `fs-${host}`, path: `/dev/shm/dgm-${rank}-000000000000.seg` },
  ring: ring ? { address: `tcp://10.0.0.${rank + 1}:29500`, key: null } : null,
});

describe('choosing the hierarchical plane', () => {
  it("is auto's choice when workers span hosts; shared on one host; star without ring sockets or with uneven hosts", () => {
    expect(choosePlane('auto', [member(0, 'a'), member(1, 'a')]).name).toBe('shared');
    expect(choosePlane('auto', [member(0, 'a'), member(1, 'b')]).name).toBe('hierarchical');
    expect(choosePlane('auto', [member(0, 'a'), member(1, 'b', false)]).name).toBe('star');
    expect(choosePlane('auto', [member(0, 'a'), member(1, 'a'), member(2, 'b')]).name).toBe('star');
    expect(() => choosePlane('hierarchical', [member(0, 'a'), member(1, 'a'), member(2, 'b')])).toThrow(/different numbers of workers \(2, 1\)/);
    expect(choosePlane('star', [member(0, 'a'), member(1, 'b')]).name).toBe('star');
  });

  it('sets up every rank with its host, segment and ring socket; the message survives the codec', () => {
    const members = [member(0, 'a'), member(1, 'b'), member(2, 'a'), member(3, 'b')];
    const setup = hierarchicalPlane.setup('run', members, { wire: 'bf16' }) as Message;
    expect(setup).toMatchObject({ type: 'RING', hosts: [0, 1, 0, 1], hostNames: ['a', 'b', 'a', 'b'], keys: [], wire: 'bf16' });
    const decoded = decodeMessage(encodeMessage(setup));
    expect(decoded.ok && decoded.message).toEqual(setup);
    const bad = decodeMessage(encodeMessage({ ...setup, addresses: ['tcp://host:1', 'x', 'y', 'z'] } as Message));
    expect(bad.ok ? '' : bad.reason).toMatch(/addresses/);
    const short = decodeMessage(encodeMessage({ ...setup, segments: [] } as Message));
    expect(short.ok ? '' : short.reason).toMatch(/one entry per rank/);
  });

  it('builds one ring per local rank, hosts in the order of their lowest rank', () => {
    const hosts = [0, 1, 0, 1, 2, 2];
    expect(unevenHosts(hosts)).toBeNull();
    expect(topologyOf(hosts, 3)).toEqual({ worldSize: 6, hostCount: 3, hostIndex: 1, localRanks: [1, 3], localIndex: 1, ringRanks: [2, 3, 5] });
    expect(unevenHosts([0, 0])).toMatch(/one host/);
  });

  it('cuts a piece into about 32 chunks of 128 to 256 KiB, whole KiB of floats each', () => {
    expect(chunkFloats(1)).toBe(MIN_CHUNK_FLOATS);
    expect(chunkFloats(1 << 20)).toBe(32 * 1024); // 16 MB on 4 hosts: 32 chunks of 128 KiB
    expect(chunkFloats(1 << 22)).toBe(CHUNK_FLOATS); // 64 MB on 4 hosts: 64 chunks of 256 KiB
    for (const n of [1, 1000, 1_048_577, 1_500_000, 2_000_003, 1e9]) {
      const k = chunkFloats(n);
      expect(k % 1024).toBe(0);
      expect(k).toBeGreaterThanOrEqual(MIN_CHUNK_FLOATS);
      expect(k).toBeLessThanOrEqual(CHUNK_FLOATS);
    }
  });

  it('reads ring port ranges', () => {
    expect(parsePortRange('*')).toEqual({ any: true });
    expect(parsePortRange('29500-29599')).toEqual({ any: false, low: 29500, high: 29599 });
    for (const bad of ['0-10', '10-5', '1-70000', 'any', '80']) expect(parsePortRange(bad)).toBeNull();
  });
});

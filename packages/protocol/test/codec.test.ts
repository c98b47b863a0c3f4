import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { decodeMessage, encodeMessage, MESSAGE_KINDS, packTensors, PROTOCOL_VERSION, unpackTensors, type Message } from '../src/index.js';

const run = 'run-1';
const state = packTensors([
  { name: 'g/dense/kernel', dtype: 'float32', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 1e-30, -0, 7]) },
  { name: 'opt/iterations', dtype: 'int32', shape: [], values: Int32Array.of(42) },
]);

/** One valid example of every kind. */
const examples: Message[] = [
  { type: 'HELLO', run, configHash: 'c'.repeat(64), manifestHash: null, backend: 'wasm', device: 'cpu', pid: 123, host: 'h', shmId: null, shmPath: null },
  { type: 'HELLO', run, configHash: 'a', manifestHash: 'b', backend: 'wasm', device: 'cpu', pid: 9, host: 'h', shmId: 'boot:1234', shmPath: '/dev/shm/dgm-9-a.seg' },
  // Placed at a rank by a launcher (dgm launch).
  { type: 'HELLO', run, configHash: 'a', manifestHash: 'b', backend: 'wasm', device: 'cpu', pid: 9, host: 'h', shmId: null, shmPath: null, rank: 3 },
  // A worker offering a shared-memory segment and a ring socket (hierarchical plane).
  { type: 'HELLO', run, configHash: 'a', manifestHash: 'b', backend: 'wasm', device: 'cpu', pid: 9, host: 'h', shmId: 'boot:1', shmPath: '/dev/shm/x.seg', ringAddress: 'tcp://10.0.0.2:29500', ringKey: 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' },
  { type: 'WELCOME', run, rank: 2, worldSize: 3, configHash: 'abc', config: { model: 'vae', nested: { a: [1, 2] } }, heartbeatMs: 500, timeoutMs: 5000 },
  { type: 'WELCOME', run, rank: null, worldSize: 1, configHash: 'abc', config: {}, heartbeatMs: 1, timeoutMs: 1 },
  { type: 'REJECT', run, reason: 'config hash differs' },
  { type: 'STATE', run, step: 0, scope: 'full', entries: state.entries, data: state.data },
  { type: 'STEP', run, step: 7, epoch: 1, indices: Int32Array.of(5, 9, 0) },
  { type: 'STEP', run, step: 7, epoch: 1, indices: Int32Array.of(5, 9, 0), from: 'd' },
  { type: 'STATE', run, step: 7, scope: 'full', entries: state.entries, data: state.data, applied: ['d'] },
  { type: 'GRADS', run, step: 7, phase: 'd', sampleCount: 3, grads: Float32Array.from([0.5, -1, NaN, Infinity]) },
  { type: 'REDUCED', run, step: 7, phase: 'd', grads: Float32Array.from([0.25, 1, 2, 3]) },
  { type: 'PLANE', run, segments: ['/dev/shm/a.seg', '/dev/shm/b.seg'] },
  { type: 'RING', run, hosts: [0, 1], hostNames: ['a', 'b'], segments: ['/dev/shm/a.seg', '/dev/shm/b.seg'], addresses: ['tcp://10.0.0.1:29500', 'tcp://10.0.0.2:29500'], keys: [], wire: 'bf16' },
  { type: 'SOLO', run },
  { type: 'TURN', run, rank: 1, step: 7, phase: 'd', stage: 'whole', sampleCount: 3 },
  { type: 'DONE', run, step: 7, error: null, sampleCount: 3, losses: { d: 0.7, g: NaN }, computeMs: 12.5, reduceMs: 0 },
  { type: 'ABORT', run, step: 7 },
  { type: 'ABORTED', run, step: 7, applied: ['d'] },
  { type: 'ABORTED', run, step: 7, applied: [], shmId: 'boot:1', shmPath: '/dev/shm/dgm-9-a.seg', ringAddress: 'tcp://10.0.0.2:29500', ringKey: null },
  { type: 'HEARTBEAT', run },
  { type: 'SNAPSHOT_REQUEST', run, step: 7, scope: 'hash' },
  { type: 'SNAPSHOT', run, step: 7, scope: 'full', hash: 'ff', entries: state.entries, data: state.data },
  { type: 'SNAPSHOT', run, step: 7, scope: 'hash', hash: 'ff', entries: [], data: new Uint8Array(0) },
  { type: 'STOP', run, reason: 'finished', error: false },
  { type: 'FAILED', run, reason: "could not read the dataset 'npy:/data/x.npy': no such file" },
];

/** Copies frames into fresh buffers, as a socket would deliver them. */
function overTheWire(frames: Buffer[]): Buffer[] {
  return frames.map((f) => Buffer.from(f));
}

describe('codec round trip', () => {
  it('covers every message kind', () => {
    expect(new Set(examples.map((m) => m.type))).toEqual(new Set(MESSAGE_KINDS));
  });

  for (const message of examples) {
    it(`${message.type} decodes to what was encoded`, () => {
      const result = decodeMessage(overTheWire(encodeMessage(message)), { run, gradSizes: { d: 4 } });
      expect(result.ok, result.ok ? '' : result.reason).toBe(true);
      if (!result.ok) return;
      // toEqual treats NaN as equal to NaN and compares typed arrays element-wise.
      expect(result.message).toEqual(message);
      for (const [k, v] of Object.entries(message)) {
        if (ArrayBuffer.isView(v)) expect((result.message as unknown as Record<string, unknown>)[k]).toBeInstanceOf(v.constructor);
      }
    });
  }

  it('packs tensors little-endian and unpacks them to the same values', () => {
    const back = unpackTensors(state.entries, state.data);
    expect(back.map((t) => [t.name, t.dtype, t.shape, Array.from(t.values)])).toEqual([
      ['g/dense/kernel', 'float32', [2, 3], [1, -2, 3.5, Math.fround(1e-30), -0, 7]],
      ['opt/iterations', 'int32', [], [42]],
    ]);
    expect(Array.from(state.data.subarray(0, 4))).toEqual([0, 0, 0x80, 0x3f]); // 1.0f little-endian
  });

  it('never msgpacks tensors: payload bytes go in their own frame', () => {
    const grads = new Float32Array(1000).fill(1.5);
    const frames = encodeMessage({ type: 'GRADS', run, step: 1, phase: 'g', sampleCount: 8, grads });
    expect(frames).toHaveLength(2);
    expect(frames[0].byteLength).toBeLessThan(100);
    expect(frames[1].buffer).toBe(grads.buffer); // the frame wraps the array's own memory
  });
});

describe('decoder validation', () => {
  const pack = (h: unknown) => new Packr({ useRecords: false }).pack(h);
  const grads = (phase: string, n: number) => encodeMessage({ type: 'GRADS', run, step: 1, phase, sampleCount: 2, grads: new Float32Array(n) });
  const reason = (frames: Uint8Array[], limits = {}) => {
    const r = decodeMessage(frames, limits);
    return r.ok ? 'ok' : r.reason;
  };

  it('checks the elastic run messages: ABORT, ABORTED and the phase fields of STEP and STATE', () => {
    const h = (fields: Record<string, unknown>, tensor?: Uint8Array) => [pack({ v: PROTOCOL_VERSION, run, ...fields }), ...(tensor ? [tensor] : [])];
    const limits = { gradSizes: { d: 4, g: 4 }, maxIndices: 8 };
    expect(reason(h({ type: 'ABORT', step: 3 }), limits)).toBe('ok');
    expect(reason(h({ type: 'ABORT', step: -1 }), limits)).toMatch(/'step' is -1/);
    expect(reason(h({ type: 'ABORTED', step: 3, applied: [] }), limits)).toBe('ok');
    expect(reason(h({ type: 'ABORTED', step: 3, applied: ['d', 'g'] }), limits)).toBe('ok');
    expect(reason(h({ type: 'ABORTED', step: 3 }), limits)).toMatch(/bad ABORTED: field 'applied' is missing/);
    // Its fresh plane offer is checked as HELLO's is.
    expect(reason(h({ type: 'ABORTED', step: 3, applied: [], shmId: 'boot:1', shmPath: null }), limits)).toBe('ok');
    expect(reason(h({ type: 'ABORTED', step: 3, applied: [], shmId: 7 }), limits)).toMatch(/'shmId' must be a string/);
    expect(reason(h({ type: 'ABORTED', step: 3, applied: [], ringAddress: 'tcp://host:1', ringKey: null }), limits)).toMatch(/'ringAddress' must be tcp:\/\/IPv4:PORT/);
    expect(reason(h({ type: 'ABORTED', step: 3, applied: ['d', 'd'] }), limits)).toMatch(/'applied' names a phase twice/);
    expect(reason(h({ type: 'ABORTED', step: 3, applied: ['vae'] }), limits)).toMatch(/phase 'vae' is not one of this model's phases/);
    const indices = new Uint8Array(Int32Array.of(1, 2).buffer);
    expect(reason(h({ type: 'STEP', step: 3, epoch: 0, from: 'g' }, indices), limits)).toBe('ok');
    expect(reason(h({ type: 'STEP', step: 3, epoch: 0, from: 'x' }, indices), limits)).toMatch(/bad STEP: phase 'x' is not one of this model's phases/);
    expect(reason(h({ type: 'STATE', step: 3, scope: 'full', entries: [], applied: ['z'] }, new Uint8Array(0)), limits)).toMatch(/bad STATE: phase 'z'/);
  });

  it('checks the shared-memory plane messages: phases, stages, counts and segment lists', () => {
    const h = (fields: Record<string, unknown>) => [pack({ v: PROTOCOL_VERSION, run, ...fields })];
    const limits = { gradSizes: { d: 4 }, maxIndices: 8 };
    expect(reason(h({ type: 'TURN', rank: 0, step: 1, phase: 'x', stage: 'grads', sampleCount: 8 }), limits)).toMatch(/phase 'x' is not one of this model's phases \(d\)/);
    expect(reason(h({ type: 'TURN', rank: 0, step: 1, phase: 'd', stage: 'all', sampleCount: 8 }), limits)).toMatch(/'stage' must be one of grads, sums, whole/);
    expect(reason(h({ type: 'TURN', rank: 0, step: 1, phase: 'd', stage: 'grads', sampleCount: 9 }), limits)).toMatch(/'sampleCount' is 9, allowed is 1..8/);
    expect(reason(h({ type: 'TURN', rank: 1, step: 1, phase: 'd', stage: 'whole', sampleCount: 8 }), limits)).toBe('ok');
    expect(reason(h({ type: 'TURN', step: 1, phase: 'd', stage: 'whole', sampleCount: 8 }), limits)).toMatch(/'rank'/);
    expect(reason(h({ type: 'TURN', rank: -1, step: 1, phase: 'd', stage: 'whole', sampleCount: 8 }), limits)).toMatch(/'rank' is -1/);
    expect(reason(h({ type: 'TURN', rank: 0, step: 1, phase: 'x', stage: 'whole', sampleCount: 8 }), limits)).toMatch(/phase 'x' is not one of this model's phases/);
    // The coordinator's barrier kinds are gone (the workers decide every turn): no longer accepted.
    expect(reason(h({ type: 'WRITTEN', step: 1, phase: 'd', stage: 'grads', sampleCount: 8 }), limits)).toMatch(/unknown message type "WRITTEN"/);
    expect(reason(h({ type: 'PROCEED', step: 1, phase: 'd', stage: 'sums', counts: [4, 4] }), limits)).toMatch(/unknown message type "PROCEED"/);
    expect(reason(h({ type: 'PLANE', segments: ['/a', 7] }))).toMatch(/'segments\[1\]' must be a string/);
    const hello = { type: 'HELLO', configHash: null, manifestHash: null, backend: 'wasm', device: 'cpu', pid: 1, host: 'h', shmId: null, shmPath: null };
    expect(reason(h({ ...hello, ringAddress: 'tcp://host:1', ringKey: null }))).toMatch(/'ringAddress' must be tcp:\/\/IPv4:PORT/);
    expect(reason(h({ ...hello, ringAddress: 'tcp://10.0.0.1:1', ringKey: 'short' }))).toMatch(/'ringKey' must be a 40-character Z85 public key/);
    expect(reason(h({ type: 'RING', hosts: [0], hostNames: ['a'], segments: ['/s'], addresses: ['tcp://10.0.0.1:1'], keys: [], wire: 'int8' }))).toMatch(/'wire' must be one of fp32, bf16, fp16/);
    expect(reason(h({ type: 'PLANE', segments: ['/a'.repeat(600)] }))).toMatch(/at most 1024 allowed/);
    expect(reason(h({ type: 'HELLO', configHash: null, manifestHash: null, backend: 'wasm', device: 'cpu', pid: 1, host: 'h', shmId: 3, shmPath: null }))).toMatch(/'shmId' must be a string/);
    expect(reason(h({ ...hello, rank: -1 }))).toMatch(/'rank' is -1, allowed is 0..65535/);
    expect(reason(h({ ...hello, rank: '1' }))).toMatch(/'rank' must be an integer/);
    const decoded = decodeMessage(encodeMessage({ run, ...hello } as Message));
    expect(decoded.ok && decoded.message.type === 'HELLO' && decoded.message.rank).toBeUndefined(); // absent: the first free rank
  });

  it("checks DONE's poisoned-phase lists (nonFinite, skipped): phases of the model, each once, absent stays absent", () => {
    const h = (fields: Record<string, unknown>) => [pack({ v: PROTOCOL_VERSION, run, type: 'DONE', step: 3, error: null, sampleCount: 2, losses: {}, computeMs: 1, reduceMs: 0, ...fields })];
    const limits = { gradSizes: { d: 4, g: 2 }, maxIndices: 8 };
    const decoded = decodeMessage(h({ nonFinite: ['d'], skipped: ['d', 'g'] }), limits);
    expect(decoded.ok && decoded.message).toMatchObject({ type: 'DONE', nonFinite: ['d'], skipped: ['d', 'g'] });
    const bare = decodeMessage(h({}), limits);
    expect(bare.ok && 'nonFinite' in bare.message).toBe(false);
    expect(reason(h({ nonFinite: ['x'] }), limits)).toMatch(/phase 'x' is not one of this model's phases \(d, g\)/);
    expect(reason(h({ skipped: ['d', 'd'] }), limits)).toMatch(/field 'skipped' names a phase twice/);
    expect(reason(h({ skipped: 'd' }), limits)).toMatch(/field 'skipped' must be a list/);
    expect(reason(h({ nonFinite: [1] }), limits)).toMatch(/'nonFinite\[0\]' must be a string/);
  });

  it('checks gradient sizes and phases against the manifest', () => {
    expect(reason(grads('d', 4), { gradSizes: { d: 4 } })).toBe('ok');
    expect(reason(grads('d', 5), { gradSizes: { d: 4 } })).toMatch(/20 bytes, the manifest says 16/);
    expect(reason(grads('x', 4), { gradSizes: { d: 4, g: 2 } })).toMatch(/phase 'x' is not one of this model's phases \(d, g\)/);
  });

  it('rejects another run, another version, unknown kinds and wrong frame counts', () => {
    expect(reason(grads('d', 4), { run: 'other' })).toMatch(/is not this run/);
    const r = decodeMessage([pack({ v: 2, type: 'HELLO' })]);
    expect(r).toMatchObject({ ok: false, type: 'HELLO', peerVersion: 2 });
    expect(reason([pack({ v: PROTOCOL_VERSION, type: 'NOPE', run })])).toMatch(/unknown message type "NOPE"/);
    // 64-bit integers arrive as BigInt, which JSON.stringify refuses: still a reason, not a throw.
    expect(reason([pack({ v: 2n ** 60n, type: 'HELLO', run })])).toMatch(/^protocol version 1152921504606846976n is not supported/);
    expect(reason([pack({ v: PROTOCOL_VERSION, type: 2n ** 60n, run })])).toMatch(/^unknown message type 1152921504606846976n/);
    expect(reason([pack({ v: PROTOCOL_VERSION, type: 'GRADS', run })])).toMatch(/GRADS must have 2 frame\(s\), got 1/);
    expect(reason([])).toMatch(/empty message/);
    expect(reason([Buffer.alloc(0)])).toMatch(/empty header/);
  });

  it('names the bad field', () => {
    const bad = pack({ v: 1, type: 'STEP', run, step: -1, epoch: 0 });
    expect(reason([bad, Buffer.alloc(8)])).toBe("bad STEP: field 'step' is -1, allowed is 0..9007199254740991");
    const noRun = pack({ v: 1, type: 'HEARTBEAT' });
    expect(reason([noRun])).toBe("bad HEARTBEAT: field 'run' must be a string");
    const float = pack({ v: 1, type: 'STOP', run, reason: 'x', error: 'yes' });
    expect(reason([float])).toBe("bad STOP: field 'error' must be a boolean");
  });

  it('bounds STEP indices and STATE payloads', () => {
    const step = encodeMessage({ type: 'STEP', run, step: 0, epoch: 0, indices: Int32Array.of(1, 2, 99) });
    expect(reason(step, { maxIndices: 2 })).toMatch(/3 indices, at most 2/);
    expect(reason(step, { indexBound: 50 })).toMatch(/sample index 99 is outside 0..49/);
    const st = encodeMessage({ type: 'STATE', run, step: 0, scope: 'full', entries: state.entries, data: state.data });
    expect(reason([st[0], st[1].subarray(0, 8)])).toMatch(/entries describe 28 bytes but the tensor frame has 8/);
    expect(reason(st, { maxStateBytes: 16 })).toMatch(/more than 16 bytes/);
    const huge = pack({ v: 1, type: 'STATE', run, step: 0, scope: 'full', entries: [{ name: 'w', dtype: 'float32', shape: [1e9, 1e9, 1e9] }] });
    expect(reason([huge, Buffer.alloc(4)])).toMatch(/more than/);
  });

  it('views aligned frames in place and copies misaligned ones', () => {
    const aligned = Buffer.alloc(16 + 4);
    const view = decodeMessage([grads('d', 4)[0], aligned.subarray(4)], {});
    expect(view.ok && view.message.type === 'GRADS' && view.message.grads.buffer === aligned.buffer).toBe(true);
    const backing = Buffer.alloc(17);
    backing.writeFloatLE(2.5, 1);
    const odd = backing.subarray(1);
    const copied = decodeMessage([grads('d', 4)[0], odd], {});
    expect(copied.ok).toBe(true);
    if (copied.ok && copied.message.type === 'GRADS') {
      expect(copied.message.grads.buffer).not.toBe(backing.buffer);
      expect(Array.from(copied.message.grads)).toEqual([2.5, 0, 0, 0]);
    }
  });

  it('does not let a header reach Object.prototype', () => {
    // A msgpack map with a real '__proto__' key (a Map, because `{ __proto__: ... }` in an object
    // literal sets the literal's prototype and the key is never sent).
    const header = (fields: [string, unknown][]) => pack(new Map<string, unknown>(fields));
    const evil = header([['v', 1], ['type', 'HEARTBEAT'], ['run', run], ['__proto__', { polluted: true, run: 'other-run' }]]);
    expect(evil.includes(Buffer.from('__proto__'))).toBe(true);
    const decoded = decodeMessage([evil]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The message is what its own fields say, with no inherited extras.
    expect(decoded).toEqual({ ok: true, message: { type: 'HEARTBEAT', run } });
    if (decoded.ok) expect(Object.getPrototypeOf(decoded.message)).toBe(Object.prototype);
    // A required field supplied only through '__proto__' is missing, not inherited.
    const inherited = decodeMessage([header([['v', 1], ['type', 'HEARTBEAT'], ['__proto__', { run }]])]);
    expect(inherited.ok).toBe(false);
    if (!inherited.ok) expect(inherited.reason).toMatch(/run/);
  });
});

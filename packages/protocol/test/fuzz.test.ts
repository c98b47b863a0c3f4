import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { decodeMessage, encodeMessage, MESSAGE_KINDS, packTensors, type DecodeLimits, type Message } from '../src/index.js';

/** Small deterministic generator so a failure reproduces (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const run = 'fuzz-run';
const limits: DecodeLimits = { run, gradSizes: { d: 6, g: 3 }, maxIndices: 8, indexBound: 100, maxStateBytes: 4096, maxHeaderBytes: 4096 };
const st = packTensors([{ name: 'w', dtype: 'float32', shape: [3], values: Float32Array.of(1, 2, 3) }]);
const valid: Message[] = [
  { type: 'HELLO', run, configHash: 'a', manifestHash: 'b', backend: 'wasm', device: 'cpu', pid: 1, host: 'h', shmId: null, shmPath: null },
  { type: 'WELCOME', run, rank: 0, worldSize: 2, configHash: 'a', config: { x: 1 }, heartbeatMs: 100, timeoutMs: 1000 },
  { type: 'STATE', run, step: 0, scope: 'full', entries: st.entries, data: st.data },
  { type: 'STEP', run, step: 1, epoch: 0, indices: Int32Array.of(1, 2) },
  { type: 'GRADS', run, step: 1, phase: 'd', sampleCount: 2, grads: new Float32Array(6) },
  { type: 'REDUCED', run, step: 1, phase: 'g', grads: new Float32Array(3) },
  { type: 'DONE', run, step: 1, error: 'boom', sampleCount: 2, losses: { d: 1 }, computeMs: 1, reduceMs: 1 },
  { type: 'SNAPSHOT', run, step: 1, scope: 'full', hash: 'h', entries: st.entries, data: st.data },
  { type: 'STOP', run, reason: 'r', error: true },
  { type: 'FAILED', run, reason: 'no data' },
];

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * 10);
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 2 ** 40);
    case 3: return (r() - 0.5) * 1e6;
    case 4: return 'x'.repeat(Math.floor(r() * 20));
    case 5: return depth > 2 ? 1 : [randomValue(r, depth + 1), randomValue(r, depth + 1)];
    case 6: return depth > 2 ? {} : { name: randomValue(r, depth + 1), shape: randomValue(r, depth + 1), dtype: r() < 0.5 ? 'float32' : 'int8' };
    case 7: return MESSAGE_KINDS[Math.floor(r() * MESSAGE_KINDS.length)];
    case 8: return NaN;
    default: return -1;
  }
}

/** Mutations of a valid message: what a buggy or hostile peer could plausibly send. */
function mutate(r: () => number, m: Message): Uint8Array[] {
  const frames: Uint8Array[] = encodeMessage(m).map((f) => Buffer.from(f));
  const choice = Math.floor(r() * 8);
  switch (choice) {
    case 0: { // truncate one frame
      const i = Math.floor(r() * frames.length);
      frames[i] = frames[i].subarray(0, Math.floor(r() * frames[i].byteLength));
      return frames;
    }
    case 1: { // flip random bytes of one frame
      const i = Math.floor(r() * frames.length);
      const f = Buffer.from(frames[i]);
      for (let k = 0; k < 1 + r() * 4; k++) f[Math.floor(r() * f.length)] = Math.floor(r() * 256);
      frames[i] = f;
      return frames;
    }
    case 2: // oversized tensor frame
      return [frames[0], randomBytes(r, 4 * (1 + Math.floor(r() * 2000)) + (r() < 0.3 ? 1 : 0))];
    case 3: // oversized header
      return [Buffer.concat([frames[0], randomBytes(r, 5000)]), ...frames.slice(1)];
    case 4: // dropped or extra frames
      return r() < 0.5 ? frames.slice(0, -1) : [...frames, randomBytes(r, Math.floor(r() * 64))];
    case 5: { // a field replaced by a random value
      const header: Record<string, unknown> = { v: 1, type: m.type, run };
      for (const [k, v] of Object.entries(m)) if (!ArrayBuffer.isView(v)) header[k] = v;
      const keys = Object.keys(header);
      header[keys[Math.floor(r() * keys.length)]] = randomValue(r, 0);
      return [new Packr({ useRecords: false }).pack(header), ...frames.slice(1)];
    }
    case 6: // random header map
      return [new Packr({ useRecords: false }).pack({ v: 1, type: randomValue(r, 0), run, step: randomValue(r, 0), entries: randomValue(r, 0), phase: randomValue(r, 0) }), ...frames.slice(1)];
    default: // pure noise
      return Array.from({ length: Math.floor(r() * 4) }, () => randomBytes(r, Math.floor(r() * 300)));
  }
}

describe('decoder fuzz', () => {
  it('never throws on 20,000 random, truncated, oversized and mutated messages and always gives a reason', () => {
    const r = rng(20261122);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const frames = mutate(r, valid[i % valid.length]);
      let result;
      try {
        result = decodeMessage(frames, limits);
      } catch (error) {
        throw new Error(`decoder threw on case ${i}: ${String(error)}`);
      }
      if (result.ok) {
        accepted++;
        // Whatever gets through must still honour the limits.
        const m = result.message;
        if (m.type === 'GRADS' || m.type === 'REDUCED') expect(m.grads.length).toBe(limits.gradSizes![m.phase]);
        if (m.type === 'STEP') expect(m.indices.length).toBeLessThanOrEqual(8);
        expect(m.run).toBe(run);
      } else {
        expect(typeof result.reason).toBe('string');
        expect(result.reason.length).toBeGreaterThan(5);
      }
    }
    // Some byte flips land in harmless places (a float's bits, a letter of a name): most must not pass.
    expect(accepted).toBeLessThan(20_000 * 0.3);
  });
});

// Junk messages for fuzzing a live run: random bytes, truncated and oversized frames, wrong
// versions, wrong run ids, sizes off the manifest, and well-formed messages at the wrong time.
// None is a well-formed message a correct peer could act on now (those would be attacks on an
// unauthenticated protocol, which this runtime does not claim to resist).
import { Packr } from 'msgpackr';
import { encodeMessage, type Message } from '@dgm/protocol';

const packr = new Packr({ useRecords: false });

/** Small deterministic generator (mulberry32) so a failing run reproduces. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/** One junk multipart message for a peer of run `run` whose phases have `gradSizes` elements. */
export function junk(r: () => number, run: string, gradSizes: Record<string, number>, towardWorker: boolean): Uint8Array[] {
  const phases = Object.keys(gradSizes);
  const phase = phases[(r() * phases.length) | 0];
  const size = gradSizes[phase];
  const far = 1_000_000 + ((r() * 1000) | 0); // a step no run of this test reaches
  const valid: Message = towardWorker
    ? { type: 'REDUCED', run, step: far, phase, grads: new Float32Array(size) }
    : { type: 'GRADS', run, step: far, phase, sampleCount: 1, grads: new Float32Array(size) };
  const frames = encodeMessage(valid);
  switch ((r() * 10) | 0) {
    case 0: // noise
      return Array.from({ length: 1 + ((r() * 3) | 0) }, () => bytes(r, (r() * 200) | 0));
    case 1: // truncated tensor frame
      return [frames[0], frames[1].subarray(0, (r() * frames[1].byteLength) | 0)];
    case 2: // tensor frame larger than the manifest says
      return [frames[0], bytes(r, frames[1].byteLength + 4 * (1 + ((r() * 500) | 0)))];
    case 3: // another protocol version
      return [packr.pack({ v: 2 + ((r() * 5) | 0), type: valid.type, run }), frames[1]];
    case 4: // another run
      return encodeMessage({ ...valid, run: `${run}-other` });
    case 5: // a phase the model does not have
      return [packr.pack({ v: 1, type: valid.type, run, step: far, phase: 'zz', sampleCount: 1 }), frames[1]];
    case 6: // truncated header
      return [frames[0].subarray(0, (r() * frames[0].byteLength) | 0), frames[1]];
    case 7: // missing or extra frames
      return r() < 0.5 ? [frames[0]] : [...frames, bytes(r, 16)];
    case 8: // a well-formed message for a step that is not running: the star's, or a TURN (workers say it to each other, never on this link)
      if (r() < 0.5) return frames;
      return encodeMessage({ type: 'TURN', run, rank: 0, step: far, phase, stage: r() < 0.5 ? 'whole' : 'grads', sampleCount: 5 });
    default: // a message kind the receiver never accepts from this side
      if (towardWorker && r() < 0.3) return encodeMessage({ type: 'PLANE', run, segments: ['/dev/shm/dgm-1-000000000000.seg', '/nonexistent'] });
      return towardWorker
        ? encodeMessage({ type: 'GRADS', run, step: far, phase, sampleCount: 1, grads: new Float32Array(size) })
        : encodeMessage({ type: 'WELCOME', run, rank: 0, worldSize: 1, configHash: 'x', config: {}, heartbeatMs: 100, timeoutMs: 1000 });
  }
}

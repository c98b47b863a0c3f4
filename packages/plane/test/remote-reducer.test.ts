// The reducer seam alone (the wire is exercised by the coordinator's process tests): GRADS out,
// the matching REDUCED in, and every way a wait ends.
import { describe, expect, it } from 'vitest';
import type { Message } from '@dgm/protocol';
import { RemoteReducer } from '../src/star/remote-reducer.js';

function reducer(timeoutMs = 5000) {
  const sent: Message[] = [];
  const r = new RemoteReducer('run', async (m) => {
    sent.push(m);
  }, timeoutMs);
  return { r, sent };
}

describe('RemoteReducer', () => {
  it('sends GRADS and resolves with the REDUCED of the same step and phase', async () => {
    const { r, sent } = reducer();
    const pending = r.reduce('d', 4, Float32Array.of(1, 2), 3);
    await Promise.resolve();
    expect(sent[0]).toMatchObject({ type: 'GRADS', run: 'run', step: 4, phase: 'd', sampleCount: 3 });
    expect(() => r.deliver({ type: 'REDUCED', run: 'run', step: 4, phase: 'g', grads: Float32Array.of(0, 0) })).toThrow(
      "REDUCED for phase 'g' of step 4 arrived while phase 'd' of step 4 was awaited",
    );
    r.deliver({ type: 'REDUCED', run: 'run', step: 4, phase: 'd', grads: Float32Array.of(5, 6) });
    expect(Array.from(await pending)).toEqual([5, 6]);
  });

  it('ends a wait by timeout, and every wait after fail()', async () => {
    const { r } = reducer(50);
    await expect(r.reduce('g', 1, Float32Array.of(1), 1)).rejects.toThrow("no averaged gradients for phase 'g' of step 1 within 50 ms");
    const waiting = r.reduce('g', 2, Float32Array.of(1), 1);
    r.fail(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    await expect(r.reduce('g', 3, Float32Array.of(1), 1)).rejects.toThrow('gone');
  });
});

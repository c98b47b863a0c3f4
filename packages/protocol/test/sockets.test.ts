import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer, Router } from 'zeromq';
import { AddressError, checkAddress, configHash, dealerOptions, decodeMessage, encodeMessage, HIGH_WATER_MARK, routerOptions, SendQueue } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-proto-'));
const sockets: (Router | Dealer)[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
// afterAll, not process 'exit': vitest ends its worker processes without that event, which left the folder in /tmp.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('socket presets', () => {
  it('apply to real sockets', () => {
    const router = new Router(routerOptions({ heartbeatMs: 200, timeoutMs: 2000 }, 1 << 20));
    const dealer = new Dealer(dealerOptions({ heartbeatMs: 200, timeoutMs: 2000 }, 1 << 20));
    sockets.push(router, dealer);
    // `mandatory` is write-only in libzmq: its effect is tested below.
    expect([router.linger, router.sendHighWaterMark, router.receiveHighWaterMark]).toEqual([0, HIGH_WATER_MARK, HIGH_WATER_MARK]);
    expect([router.heartbeatInterval, router.heartbeatTimeout, router.sendTimeout, router.maxMessageSize]).toEqual([200, 2000, 2000, 1 << 20]);
    expect([dealer.linger, dealer.reconnectInterval, dealer.connectTimeout]).toEqual([0, 100, 2000]);
  });

  it('carry a 4 MB gradient ROUTER↔DEALER over ipc and decode it as an aligned view', async () => {
    const address = `ipc://${join(dir, 'rt.sock')}`;
    const router = new Router(routerOptions({ heartbeatMs: 200, timeoutMs: 2000 }, 8 << 20));
    const dealer = new Dealer(dealerOptions({ heartbeatMs: 200, timeoutMs: 2000 }, 8 << 20));
    sockets.push(router, dealer);
    await router.bind(address);
    dealer.connect(address);
    const grads = Float32Array.from({ length: 1 << 20 }, (_, i) => i * 0.5);
    await dealer.send(encodeMessage({ type: 'GRADS', run: 'r', step: 3, phase: 'g', sampleCount: 4, grads }));
    const [identity, ...frames] = await router.receive();
    const result = decodeMessage(frames, { run: 'r', gradSizes: { g: 1 << 20 } });
    expect(result.ok).toBe(true);
    if (!result.ok || result.message.type !== 'GRADS') return;
    expect(result.message.grads[12345]).toBe(6172.5);
    expect(result.message.grads.buffer).toBe(frames[1].buffer); // no copy on receive
    await router.send([identity, ...encodeMessage({ type: 'HEARTBEAT', run: 'r' })]);
    const back = decodeMessage(await dealer.receive());
    expect(back.ok && back.message.type).toBe('HEARTBEAT');
  });

  it('make a send to a departed peer fail instead of vanishing (Router.mandatory)', async () => {
    const router = new Router(routerOptions({ heartbeatMs: 200, timeoutMs: 500 }, 1 << 20));
    sockets.push(router);
    await expect(router.send(['no-such-peer', 'x'])).rejects.toThrow(/unreachable|Host/i);
  });
});

describe('addresses and config hash', () => {
  it('accepts tcp and ipc endpoints and names what is allowed otherwise', () => {
    expect(checkAddress('tcp://127.0.0.1:5555', 'connect')).toBe('tcp://127.0.0.1:5555');
    expect(checkAddress('tcp://*:*', 'bind')).toBe('tcp://*:*');
    expect(checkAddress('ipc:///tmp/x.sock', 'bind')).toBe('ipc:///tmp/x.sock');
    expect(() => checkAddress('tcp://h:*', 'connect')).toThrow(AddressError);
    expect(() => checkAddress('tcp://h:70000', 'bind')).toThrow(/port 70000; allowed is 1..65535/);
    expect(() => checkAddress('http://x', 'bind')).toThrow(/use tcp:\/\/host:port or ipc:\/\/path/);
  });

  it('hashes configs independently of key order', () => {
    expect(configHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(configHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
    expect(configHash({ a: 1, b: undefined })).toBe(configHash({ a: 1 }));
  });
});

describe('SendQueue', () => {
  it('sends one at a time: 1200 sends in a row without awaiting (past the binding’s 512 synchronous sends) all arrive, in order', async () => {
    const address = `ipc://${join(dir, 'queue.sock')}`;
    const router = new Router(routerOptions({ heartbeatMs: 200, timeoutMs: 2000 }, 1 << 20));
    const dealer = new Dealer(dealerOptions({ heartbeatMs: 200, timeoutMs: 2000 }, 1 << 20));
    sockets.push(router, dealer);
    await router.bind(address);
    dealer.connect(address);
    const n = 1200;
    // The bare socket refuses a send while another is in flight, which it is after 512 in a row.
    const bare = Array.from({ length: n }, async (_, i) => {
      try {
        await dealer.send(encodeMessage({ type: 'HEARTBEAT', run: `bare-${i}` }));
        return null;
      } catch (error) {
        return error as Error;
      }
    });
    expect((await Promise.all(bare)).some((e) => e !== null && /busy/i.test(e.message))).toBe(true);
    const queue = new SendQueue<Buffer[]>((frames) => dealer.send(frames));
    // Queued at once; they leave as the router drains the pipes (the high-water marks are 100).
    const sent = Promise.all(Array.from({ length: n }, (_, i) => queue.send(encodeMessage({ type: 'HEARTBEAT', run: `queued-${i}` }))));
    const runs: string[] = [];
    while (runs.length < n) {
      const [, ...frames] = await router.receive();
      const m = decodeMessage(frames, {});
      if (m.ok && m.message.run.startsWith('queued-')) runs.push(m.message.run);
    }
    await sent;
    expect(runs).toEqual(Array.from({ length: n }, (_, i) => `queued-${i}`));
  });
});

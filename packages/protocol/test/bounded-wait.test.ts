import { describe, expect, it } from 'vitest';
import { AwaitedReply, BoundedWait } from '../src/bounded-wait.js';

const named = (timeoutMs: number) => new AwaitedReply<number, string>(timeoutMs, (k) => `request ${k}`);

describe('AwaitedReply', () => {
  it('resolves a request with its answer and then accepts the next one', async () => {
    const r = named(1000);
    const sent: number[] = [];
    const first = r.request(1, 'no reply to 1', async () => void sent.push(1));
    await Promise.resolve();
    expect(r.awaited).toBe(1);
    expect(r.describeAwaited()).toBe('request 1');
    r.answer('one');
    await expect(first).resolves.toBe('one');
    expect(r.awaited).toBeNull();
    expect(r.describeAwaited()).toBe('nothing');
    const second = r.request(2, 'no reply to 2', async () => void sent.push(2));
    r.answer('two');
    await expect(second).resolves.toBe('two');
    expect(sent).toEqual([1, 2]);
  });

  it('refuses a second request while one waits, naming both', async () => {
    const r = named(1000);
    const first = r.request(1, 'no reply', async () => {});
    await expect(r.request(2, 'no reply', async () => {})).rejects.toThrow('request 2 was requested while request 1 is still awaited');
    r.answer('one');
    await expect(first).resolves.toBe('one');
  });

  it('rejects after the time limit with the sentence given, and is free again', async () => {
    const r = named(30);
    await expect(r.request(1, 'no reply to 1', async () => {})).rejects.toThrow('no reply to 1 within 30 ms');
    expect(r.awaited).toBeNull();
    const next = r.request(2, 'no reply to 2', async () => {});
    r.answer('two');
    await expect(next).resolves.toBe('two');
  });

  it('rejects when sending fails, without waiting for the time limit', async () => {
    const r = named(60_000);
    const started = performance.now();
    await expect(r.request(1, 'no reply', async () => Promise.reject(new Error('socket closed')))).rejects.toThrow('socket closed');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(r.awaited).toBeNull();
  });

  it('fail() rejects the waiting request and every later one with the first error', async () => {
    const r = named(60_000);
    const waiting = r.request(1, 'no reply', async () => {});
    r.fail(new Error('coordinator gone'));
    r.fail(new Error('second reason'));
    await expect(waiting).rejects.toThrow('coordinator gone');
    expect(r.failed?.message).toBe('coordinator gone');
    let sent = false;
    await expect(r.request(2, 'no reply', async () => void (sent = true))).rejects.toThrow('coordinator gone');
    expect(sent).toBe(false);
    r.answer('late'); // nothing waits: ignored
  });
});

describe('BoundedWait', () => {
  it('settles once: by its answer, by an error, or by its deadline with the sentence made then', async () => {
    const answered = new BoundedWait<number>(1000, () => new Error('late'));
    expect(answered.resolve(3)).toBe(true);
    expect(answered.resolve(4)).toBe(false);
    expect(answered.reject(new Error('x'))).toBe(false);
    await expect(answered.promise).resolves.toBe(3);
    let missing = 2;
    const timed = new BoundedWait<number>(30, () => new Error(`${missing} replies missing`));
    missing = 1;
    await expect(timed.promise).rejects.toThrow('1 replies missing');
    expect(timed.settled).toBe(true);
    expect(timed.resolve(1)).toBe(false);
    const failed = new BoundedWait<number>(1000, () => new Error('late'));
    failed.reject(new Error('gone'));
    await expect(failed.promise).rejects.toThrow('gone');
  });
});

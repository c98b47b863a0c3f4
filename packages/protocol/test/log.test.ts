// The one logger factory and the dropped-message rule every dgm process uses, on real files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeLogger, createDgmLogger, DropLog } from '../src/log/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createDgmLogger', () => {
  it('writes JSON lines with the process name, pid and timestamp, and echoes warnings and errors only', async () => {
    const file = join(dir, 'logs', 'worker.log');
    const echoed: [string, string, Record<string, unknown>][] = [];
    const log = createDgmLogger({ process: 'worker', file, echo: (level, message, fields) => echoed.push([level, message, fields]) });
    log.info('joined', { rank: 1 });
    log.warn('dropped a message', { reason: 'bad header' });
    log.error('the run failed');
    await closeLogger(log);
    const written = lines(file);
    expect(written.map((l) => [l.level, l.message])).toEqual([
      ['info', 'joined'],
      ['warn', 'dropped a message'],
      ['error', 'the run failed'],
    ]);
    for (const l of written) {
      expect(l).toMatchObject({ process: 'worker', pid: process.pid });
      expect(typeof l.timestamp).toBe('string');
    }
    expect(written[0].rank).toBe(1);
    expect(echoed).toEqual([
      ['warn', 'dropped a message', { reason: 'bad header' }],
      ['error', 'the run failed', {}],
    ]);
  });

  it('honours the file level and writes nothing anywhere with echo none and no file', async () => {
    const file = join(dir, 'warn-only.log');
    const log = createDgmLogger({ process: 'coordinator', file, level: 'warn', echo: 'none' });
    log.info('not written');
    log.warn('written');
    await closeLogger(log);
    expect(lines(file).map((l) => l.message)).toEqual(['written']);
    const silent = createDgmLogger({ process: 'cli', echo: 'none' });
    silent.error('nowhere');
    await expect(closeLogger(silent, 500)).resolves.toBeUndefined();
  });
});

describe('DropLog', () => {
  it('logs the first drops in full, then one summary every Mth, and counts them all', () => {
    const logged: [string, Record<string, unknown>][] = [];
    const drops = new DropLog((message, fields) => logged.push([message, fields]), (n) => `dropped ${n} messages so far`, { first: 3, every: 10 });
    for (let i = 1; i <= 25; i++) drops.note('dropped a message', { reason: `#${i}` });
    expect(drops.count).toBe(25);
    expect(logged).toEqual([
      ['dropped a message', { reason: '#1' }],
      ['dropped a message', { reason: '#2' }],
      ['dropped a message', { reason: '#3' }],
      ['dropped 10 messages so far', { last: { message: 'dropped a message', reason: '#10' } }],
      ['dropped 20 messages so far', { last: { message: 'dropped a message', reason: '#20' } }],
    ]);
  });

  it('defaults to the first 20 in full and every 1000th', () => {
    let logged = 0;
    const drops = new DropLog(() => logged++, (n) => `${n}`);
    for (let i = 0; i < 2000; i++) drops.note('x', {});
    expect(logged).toBe(20 + 2);
  });
});

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorGoneError, exitCodeOf, parseWorkerArgs, RejectedError, WorkerOptionsError, type WorkerResult } from '../src/index.js';

describe('worker entry arguments', () => {
  it('parses every flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dgm-args-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ model: 'vae' }));
    expect(parseWorkerArgs(['--connect', 'ipc:///tmp/x', '--run', 'r1', '--config', file, '--backend', 'cpu', '--log-file', '/tmp/w.log', '--heartbeat-ms', '100', '--timeout-ms', '900', '--join-timeout-ms', '5000', '--no-shared-memory'])).toEqual({
      connect: 'ipc:///tmp/x', run: 'r1', config: { model: 'vae' }, backend: 'cpu', logFile: '/tmp/w.log', heartbeatMs: 100, timeoutMs: 900, joinTimeoutMs: 5000, sharedMemory: false,
    });
    rmSync(dir, { recursive: true });
  });

  it('names what is wrong', () => {
    expect(() => parseWorkerArgs([])).toThrow('--connect <tcp://host:port|ipc://path> is required.');
    expect(() => parseWorkerArgs(['--connect', 'tcp://h:1', '--bogus'])).toThrow(/Unknown option '--bogus'.*allowed: --connect/);
    expect(() => parseWorkerArgs(['--connect', 'tcp://h:1', '--timeout-ms', 'soon'])).toThrow("--timeout-ms must be a whole number of milliseconds; got 'soon'.");
    expect(() => parseWorkerArgs(['--connect', 'tcp://h:1', '--config', '/no/such.json'])).toThrow(WorkerOptionsError);
  });

  it('maps outcomes to exit codes', () => {
    const result = { stoppedByError: false } as WorkerResult;
    expect(exitCodeOf({ result })).toBe(0);
    expect(exitCodeOf({ result: { ...result, stoppedByError: true } })).toBe(1);
    expect(exitCodeOf({ error: new WorkerOptionsError('x') })).toBe(2);
    expect(exitCodeOf({ error: new RejectedError('x') })).toBe(2);
    expect(exitCodeOf({ error: new CoordinatorGoneError('x') })).toBe(3);
    expect(exitCodeOf({ error: new Error('x') })).toBe(1);
  });
});

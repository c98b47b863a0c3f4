import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COORDINATOR_EXIT, CoordinatorOptionsError, exitCodeOfRun, parseCoordinatorArgs, RunStoppedError, WorkerLostError } from '../src/index.js';

describe('coordinator entry arguments', () => {
  it('parses every flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dgm-cargs-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ model: 'vae' }));
    expect(
      parseCoordinatorArgs(['--bind', 'tcp://*:5555', '--workers', '3', '--config', file, '--run-dir', 'runs/a', '--run', 'r1', '--resume', '--backend', 'cpu', '--heartbeat-ms', '100', '--timeout-ms', '900', '--join-timeout-ms', '5000', '--step-timeout-ms', '7000', '--check-every', '10', '--checkpoint-every', '20', '--sample-every', '30']),
    ).toEqual({
      bind: 'tcp://*:5555', workers: 3, config: { model: 'vae' }, runDir: 'runs/a', run: 'r1', resume: true, backend: 'cpu',
      heartbeatMs: 100, timeoutMs: 900, joinTimeoutMs: 5000, stepTimeoutMs: 7000, checkEvery: 10, checkpointEvery: 20, sampleEvery: 30,
    });
    rmSync(dir, { recursive: true });
  });

  it('names what is wrong', () => {
    expect(() => parseCoordinatorArgs(['--workers', '2'])).toThrow('--bind <tcp://host:port|ipc://path> is required.');
    expect(() => parseCoordinatorArgs(['--bind', 'tcp://*:1'])).toThrow('--config <file.json> (the run config) is required.');
    expect(() => parseCoordinatorArgs(['--bind', 'tcp://*:1', '--config', '/no/such.json'])).toThrow(CoordinatorOptionsError);
    expect(() => parseCoordinatorArgs(['--bind', 'tcp://*:1', '--nope'])).toThrow(/Unknown option '--nope'.*allowed: --bind/);
  });

  it('maps how a run failed to an exit code', () => {
    expect(exitCodeOfRun(new RunStoppedError('x'))).toBe(COORDINATOR_EXIT.stopped);
    expect(exitCodeOfRun(new WorkerLostError('x'))).toBe(COORDINATOR_EXIT.failed);
  });
});

// The advanced flags `dgm worker` and `dgm coordinator` took over from the old entry scripts: each
// bad value is one sentence and exit 2 with nothing written; good values reach the runtime.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveCoordinatorRuntimeFlags, resolveWorkerRuntimeFlags } from '../src/commands/runtime-flags.js';
import { launchWorkerArgs } from '../src/commands/launch.js';
import { dgm } from './support/capture.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-runtime-flags-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let cwd = '';
let n = 0;
beforeEach(() => {
  cwd = join(root, `case-${n++}`);
  mkdirSync(cwd);
});

async function usageError(argv: string[], sentence: string): Promise<void> {
  const r = await dgm(argv, { cwd });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toBe(`error: ${sentence}\n`);
  expect(r.stdout).toBe('');
  expect(readdirSync(cwd)).toEqual([]);
}

describe('advanced flags of dgm worker and dgm coordinator', () => {
  it.each([
    [['worker', '--connect', 'tcp://h:1', '--timeout-ms', 'soon'], "--timeout-ms must be a whole number of milliseconds from 100 to 3600000, got 'soon'."],
    [['worker', '--connect', 'tcp://h:1', '--heartbeat-ms', '5'], "--heartbeat-ms must be a whole number of milliseconds from 10 to 60000, got '5'."],
    [['worker', '--connect', 'tcp://h:1', '--heartbeat-ms', '500', '--timeout-ms', '400'], '--timeout-ms (400) must be larger than --heartbeat-ms (500): a peer is gone only after several missed heartbeats.'],
    [['worker', '--connect', 'tcp://h:1', '--join-timeout-ms', '1.5'], "--join-timeout-ms must be a whole number of milliseconds from 100 to 86400000, got '1.5'."],
    [['worker', '--connect', 'tcp://h:1', '--run-id', 'a/b'], "--run-id must be 1 to 128 letters, digits, '.', '_' or '-', got 'a/b'."],
    [['worker', '--connect', 'tcp://h:1', '--no-shared-memory=yes'], '--no-shared-memory is a switch and takes no value.'],
    [['coordinator', '--check-every', 'often'], "--check-every must be a whole number from 0 to 1000000000, got 'often'."],
    [['coordinator', '--step-timeout-ms', '0'], "--step-timeout-ms must be a whole number of milliseconds from 100 to 86400000, got '0'."],
    [['coordinator', '--run-id', ''], "--run-id must be 1 to 128 letters, digits, '.', '_' or '-', got ''."],
    [['coordinator', '--wire', 'fp8'], "--wire must be one of fp32, bf16, fp16, got 'fp8'."],
    [['worker', '--connect', 'tcp://h:1', '--reconnect', '0'], "--reconnect must be a number of seconds greater than 0 and at most 86400 (how long a worker that lost its coordinator keeps trying to rejoin it), got '0'."],
    [['worker', '--connect', 'tcp://h:1', '--reconnect', 'soon'], "--reconnect must be a number of seconds greater than 0 and at most 86400 (how long a worker that lost its coordinator keeps trying to rejoin it), got 'soon'."],
  ])('dgm %j exits 2 with one sentence', async (argv, sentence) => {
    await usageError(argv, sentence);
  });

  it('refuses a --run-config that is not a readable run config', async () => {
    await usageError(['worker', '--connect', 'tcp://h:1', '--run-config', join(root, 'none.json')], `--run-config ${join(root, 'none.json')} could not be read as JSON: ENOENT: no such file or directory, open '${join(root, 'none.json')}'.`);
    const list = join(root, 'list.json');
    writeFileSync(list, '[1, 2]');
    await usageError(['worker', '--connect', 'tcp://h:1', '--run-config', list], `--run-config ${list} must hold a run config (an object, as in a run directory's config.json).`);
  });

  it('hands good values to the runtime, reading a run directory config.json or a bare run config', () => {
    const config = { model: 'vae', modelOptions: { imageShape: [8, 8, 1] }, trainer: {}, data: 'mnist', seed: 1, globalBatch: 8, steps: 3 };
    const stored = join(root, 'config.json');
    writeFileSync(stored, JSON.stringify({ config, configHash: 'abc' }));
    const bare = join(root, 'bare.json');
    writeFileSync(bare, JSON.stringify(config));
    expect(resolveWorkerRuntimeFlags({ 'run-id': 'r-1', 'run-config': stored, 'heartbeat-ms': '200', 'timeout-ms': '2000', 'join-timeout-ms': '1500', 'no-shared-memory': true })).toEqual({
      run: 'r-1',
      config,
      heartbeatMs: 200,
      timeoutMs: 2000,
      joinTimeoutMs: 1500,
      sharedMemory: false,
    });
    expect(resolveWorkerRuntimeFlags({ 'run-config': bare }).config).toEqual(config);
    expect(resolveWorkerRuntimeFlags({ reconnect: '2.5' })).toEqual({ reconnectMs: 2500 });
    // dgm launch hands --reconnect to every worker of the job (checked first: a bad value is one sentence).
    expect(launchWorkerArgs({ reconnect: '30' }, {})).toEqual(['--join-timeout-ms', '120000', '--reconnect', '30']);
    expect(() => launchWorkerArgs({ reconnect: '-1' }, {})).toThrow(/^--reconnect must be a number of seconds greater than 0 /);
    expect(resolveWorkerRuntimeFlags({})).toEqual({});
    expect(resolveCoordinatorRuntimeFlags({ 'run-id': 'r.2', 'check-every': '0', 'step-timeout-ms': '7000', 'heartbeat-ms': '100' })).toEqual({ run: 'r.2', checkEvery: 0, stepTimeoutMs: 7000, heartbeatMs: 100 });
  });

  it('lists them under --help, marked advanced', async () => {
    for (const command of ['worker', 'coordinator']) {
      const help = (await dgm([command, '--help'], { cwd })).stdout;
      for (const flag of ['--run-id <id>', '--heartbeat-ms <ms>', '--timeout-ms <ms>', '--join-timeout-ms <ms>']) expect(help).toMatch(new RegExp(`${flag}\\s+Advanced: `));
    }
    expect((await dgm(['worker', '--help'], { cwd })).stdout).toMatch(/--no-shared-memory\s+Advanced: /);
    expect((await dgm(['coordinator', '--help'], { cwd })).stdout).toMatch(/--check-every <n>\s+Advanced: /);
  });
});

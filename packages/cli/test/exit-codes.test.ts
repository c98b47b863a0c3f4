// One exit-code table for every dgm process: the CLI classifies an error by the base class it
// extends (@dgm/core/errors), never by its constructor's name. An input error from any package is
// 2 (one sentence, no hint), a run failure is 1 (one sentence, no hint), a bug is 1 with the
// DGM_DEBUG hint — never 2.
import { describe, expect, it } from 'vitest';
import { CoordinatorOptionsError, JoinTimeoutError, ReplicaMismatchError, RunStoppedError, WorkerFailedError, WorkerLostError } from '@dgm/coordinator';
import { DatasetError } from '@dgm/core/node';
import { AddressError, checkAddress, checkRunConfig, RunConfigError } from '@dgm/protocol';
import { CoordinatorGoneError, RejectedError, WorkerOptionsError } from '@dgm/worker';
import { reportError } from '../src/cli.js';
import { ExitCode, RunFailedError, UsageError } from '../src/errors.js';

function report(error: unknown, argv: string[] = []): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = reportError(error, argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: '/', entryScript: '/dgm' });
  return { code, stdout, stderr };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('exit codes', () => {
  it('maps an input error of every package to 2, printing the sentence alone', () => {
    const inputs: [string, unknown][] = [
      ['cli', new UsageError('--workers must be a whole number from 1 to 64, got 0.')],
      ['core', new DatasetError('npy:/nope.npy does not exist.')],
      ['protocol address', thrown(() => checkAddress('http://x', 'bind'))],
      ['protocol run config', thrown(() => checkRunConfig(null))],
      ['coordinator', new CoordinatorOptionsError("coordinator option 'workers' must be at least 1.")],
      ['worker options', new WorkerOptionsError("worker option 'connect' is required.")],
      ['worker rejected', new RejectedError("the coordinator rejected this worker: this coordinator runs 'a', not 'b'.")],
    ];
    expect(inputs[2][1]).toBeInstanceOf(AddressError);
    expect(inputs[3][1]).toBeInstanceOf(RunConfigError);
    for (const [from, error] of inputs) {
      const r = report(error);
      expect(r.code, from).toBe(ExitCode.usage);
      expect(r.stderr, from).toBe(`error: ${(error as Error).message}\n`);
    }
  });

  it('maps run failures (worker lost, coordinator gone, ...) to 1 with the sentence alone', () => {
    const failures = [
      new WorkerLostError('worker rank 1 (pid 7 on h) is gone'),
      new WorkerFailedError('rank 0 failed: out of memory'),
      new JoinTimeoutError('only 1 of 2 workers joined within 4000 ms'),
      new ReplicaMismatchError('replicas disagree'),
      new RunStoppedError('the run was stopped'),
      new CoordinatorGoneError('the coordinator at tcp://h:1 is gone'),
      new RunFailedError('Worker 0 (pid 9) exited with code 1; the run stops.'),
    ];
    for (const error of failures) {
      const r = report(error);
      expect(r.code, error.name).toBe(ExitCode.failure);
      expect(r.stderr, error.name).toBe(`error: ${error.message}\n`);
    }
  });

  it('maps a bug (a plain Error, a TypeError, a non-Error) to 1 with the debugging hint, never 2', () => {
    // A bug whose class happens to be named like an input error is still a bug: names do not count.
    class DgmInputError extends Error {}
    for (const error of [new Error('boom'), new TypeError("Cannot read properties of undefined (reading 'x')"), new DgmInputError('looks like input'), 'a string']) {
      const r = report(error);
      expect(r.code).toBe(ExitCode.failure);
      expect(r.stderr).toMatch(/\(set DGM_DEBUG=1 to see where it happened\)\n$/);
    }
  });

  it('says the code in the --json error event', () => {
    expect(JSON.parse(report(new WorkerOptionsError('x'), ['--json']).stdout)).toEqual({ event: 'error', message: 'x', exitCode: 2 });
    expect(JSON.parse(report(new CoordinatorGoneError('y'), ['--json']).stdout)).toEqual({ event: 'error', message: 'y', exitCode: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { resolveWorkerSettings } from '../src/commands/worker-settings.js';
import { UsageError } from '../src/index.js';

describe('resolveWorkerSettings', () => {
  it('runs one CPU replica by default and pins a single listed GPU in-process', () => {
    expect(resolveWorkerSettings({ connect: 'tcp://head:5555' })).toEqual({ connect: 'tcp://head:5555', gpus: null, gpu: null, backend: 'auto', json: false });
    expect(resolveWorkerSettings({ connect: 'tcp://head:5555', gpus: '2' })).toMatchObject({ gpus: null, gpu: 2, backend: 'tensorflow' });
    expect(resolveWorkerSettings({ connect: 'tcp://head:5555', gpu: '1' })).toMatchObject({ gpus: null, gpu: 1, backend: 'tensorflow' });
    expect(resolveWorkerSettings({ connect: 'tcp://head:5555', gpus: '0,1' })).toMatchObject({ gpus: [0, 1], gpu: null });
    expect(resolveWorkerSettings({ connect: 'tcp://head:5555', backend: 'wasm' })).toMatchObject({ backend: 'wasm' });
    expect(resolveWorkerSettings({ connect: 'ipc:///tmp/dgm-run.sock' })).toMatchObject({ connect: 'ipc:///tmp/dgm-run.sock' });
  });

  it.each([
    [{}, /needs --connect <address>/],
    [{ connect: 'head:5555' }, /--connect must be an address like/],
    [{ connect: 'tcp://h:1', gpu: 'x' }, /--gpu must be one GPU id such as 0, got 'x'/],
    [{ connect: 'tcp://h:1', gpu: '0', backend: 'cpu' }, /--gpu needs --backend tensorflow \(or auto\), not cpu/],
    [{ connect: 'tcp://h:1', backend: 'metal' }, /--backend must be one of auto, tensorflow, wasm, cpu/],
    [{ connect: 'tcp://h:*' }, /--connect must be an address like/],
    [{ connect: 'ipc://' }, /--connect must be an address like .* or ipc:\/\/<path> on one host/],
  ])('rejects %j', (values, pattern) => {
    expect(() => resolveWorkerSettings(values)).toThrow(UsageError);
    expect(() => resolveWorkerSettings(values)).toThrow(pattern);
  });
});

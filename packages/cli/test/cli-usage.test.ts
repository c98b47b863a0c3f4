// Bad input through the real dispatcher: exit code 2, one sentence on stderr, nothing written.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { dgm } from './support/capture.js';
import { writeFlatImages } from './support/test-images.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-cli-usage-'));

/** True when a user installed `pkg` where this workspace resolves it (the README tells GPU users to). */
function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}
const NATIVE_TFJS_INSTALLED = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
afterAll(() => rmSync(root, { recursive: true, force: true }));
let cwd = '';
let n = 0;
beforeEach(() => {
  cwd = join(root, `case-${n++}`);
  mkdirSync(cwd);
});

/** Runs dgm in an empty directory and checks the usage-error contract. */
async function usageError(argv: string[], pattern: RegExp, setup?: (dir: string) => string[]): Promise<void> {
  const before = setup ? setup(cwd) : [];
  const r = await dgm(argv, { cwd });
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout).toBe('');
  expect(readdirSync(cwd).sort()).toEqual(before.sort());
}

describe('dgm usage errors', () => {
  it('names unknown commands and flags', async () => {
    await usageError(['trian'], /'trian' is not a dgm command; the commands are train, coordinator, worker, launch, sample, eval, report, inspect, keys\./);
    await usageError(['train', '--modle', 'vae'], /dgm train has no flag --modle; its flags are --model, /);
    await usageError(['train', '--steps'], /--steps needs a value \(n\)/);
    await usageError(['train', 'extra'], /dgm train takes no arguments besides flags, got 'extra'/);
  });

  it.each([
    [['train', '--model', 'gpt'], /--model must be one of vae, conv-vae, mlp-gan, dcgan, got 'gpt'\./],
    [['train', '--model', 'dcgan', '--loss', 'l2'], /--loss must be one of minimax, non-saturating, lsgan, hinge, wgan-gp/],
    [['train', '--dataset', 'cifar10'], /is not a dataset; use mnist, fashion-mnist, idx:<path>, npy:<path> or images:<dir>/],
    [['train', '--dataset', 'npy:missing.npy'], /missing\.npy does not exist/],
    [['train', '--steps', '10', '--epochs', '1'], /--steps and --epochs cannot be used together/],
    [['train', '--workers', '2', '--gpus', '0,1'], /--workers and --gpus cannot be used together/],
    [['train', '--batch-size=-4'], /--batch-size must be a whole number from 1 to 65536, got '-4'/],
    [['train', '--config', 'nope.yaml'], /--config nope\.yaml does not exist/],
    [['coordinator', '--bind', 'http://x:1'], /--bind must be an address like tcp:\/\/0\.0\.0\.0:5555/],
    [['worker'], /dgm worker needs --connect <address>/],
    [['worker', '--connect', 'tcp://h:1', '--gpus', '0', '--gpu', '1'], /--gpus and --gpu cannot be used together/],
    [['sample'], /dgm sample needs a checkpoint/],
    [['sample', 'run', '--count', '0'], /--count must be a whole number from 1 to 1024/],
    // A negative number is a value given, out of range, not a missing one.
    [['train', '--lr', '-1'], /^error: --lr must be a number greater than 0 and at most 10, got '-1'\.$/],
    [['train', '--seed', '-3'], /^error: --seed must be a whole number from 0 to 4294967295, got '-3'\.$/],
  ])('dgm %j', async (argv, pattern) => {
    await usageError(argv, pattern);
  });

  it('dgm inspect of a run without a latest checkpoint says so in a sentence, naming no API', async () => {
    await usageError(['inspect', 'run'], /^error: \S+run\/checkpoints has no 'latest' file marking a complete checkpoint; it holds no complete checkpoint yet \(the run stopped before its first one\)\.$/, (dir) => {
      mkdirSync(join(dir, 'run', 'checkpoints'), { recursive: true });
      return ['run'];
    });
  });

  it('rejects bad config files without writing anything', async () => {
    await usageError(['train', '--config', 'run.yaml'], /--config run\.yaml has unknown key 'optimizer'; allowed keys are/, (dir) => {
      writeFileSync(join(dir, 'run.yaml'), 'model: vae\noptimizer: sgd\n');
      return ['run.yaml'];
    });
    await usageError(['train', '--config', 'run.json'], /'epochs' in run\.json must be a whole number from 1 to 1000000, got '3' \(a quoted string: write it without quotes\)\./, (dir) => {
      writeFileSync(join(dir, 'run.json'), '{"epochs": "3"}');
      return ['run.yaml', 'run.json'];
    });
  });

  it('asks for tfjs-node-gpu (with CUDA 11.2 / cuDNN 8.1) when GPUs are requested without it', async () => {
    // Where a user installed it, the test hook that names the GPU package's module (see
    // cli/src/gpu/gpu-runtime.ts) names a file that does not exist: the package is absent again.
    const hide = installed('@tensorflow/tfjs-node-gpu');
    if (hide) process.env.DGM_TFJS_NODE_GPU_STAND_IN = join(root, 'no-gpu-package-here.mjs');
    try {
      await usageError(['train', '--gpus', '0,1'], /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*CUDA 11\.2 and cuDNN 8\.1/);
      await usageError(['worker', '--connect', 'tcp://127.0.0.1:5555', '--gpus', 'all'], /npm install @tensorflow\/tfjs-node-gpu/);
    } finally {
      if (hide) delete process.env.DGM_TFJS_NODE_GPU_STAND_IN;
    }
  });

  it('loads the dataset before writing anything: a malformed file is exit 2', async () => {
    await usageError(['train', '--dataset', 'npy:digits.npy'], /digits\.npy/, (dir) => {
      writeFileSync(join(dir, 'digits.npy'), 'this is not a numpy file');
      return ['digits.npy'];
    });
  });

  it('refuses --conditional on a dataset without labels before writing anything', async () => {
    await usageError(['train', '--conditional', '--dataset', 'npy:plain.npy'], /^error: --conditional needs a dataset with labels, and npy:.*plain\.npy has none; drop --conditional or use a dataset with labels\.$/, (dir) => {
      writeFlatImages(join(dir, 'plain.npy'), 20, 28, 28, (i) => i);
      return ['plain.npy'];
    });
  });

  // Only where neither is installed: with one installed, --backend tensorflow is a valid choice
  // (init-backend.test.ts checks the real import both ways).
  it.skipIf(NATIVE_TFJS_INSTALLED)('names the packages to install for --backend tensorflow when neither native build is there', async () => {
    await usageError(['train', '--backend', 'tensorflow', '--steps', '2'], /Backend 'tensorflow' is unavailable: .*npm install @tensorflow\/tfjs-node@4\.22\.0/);
  });

  it('reports an error as JSON on stdout too with --json', async () => {
    const r = await dgm(['train', '--json', '--model', 'gpt'], { cwd });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'error', exitCode: 2, message: expect.stringMatching(/--model must be one of/) });
  });
});

describe('dgm --help', () => {
  it.each(['train', 'coordinator', 'worker', 'sample', 'eval', 'report', 'inspect'])('dgm %s --help shows flags and examples', async (command) => {
    const r = await dgm([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: dgm ${command}`);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(/--help\s+Show this help/);
  });

  it('lists the commands', async () => {
    const r = await dgm(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['train', 'coordinator', 'worker', 'sample', 'eval', 'report', 'inspect']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\s`, 'm'));
    expect((await dgm([])).stdout).toBe(r.stdout);
  });
});

describe('reportError', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      context: (env: NodeJS.ProcessEnv) => ({
        stdout: { write: (s: string) => (out.stdout += s) },
        stderr: { write: (s: string) => (out.stderr += s) },
        env,
        cwd: '/',
        entryScript: '/dgm',
      }),
    };
  };

  it('prints an unexpected error as its message and exit 1, with the stack only under DGM_DEBUG=1', async () => {
    const { reportError } = await import('../src/cli.js');
    const plain = io();
    expect(reportError(new TypeError('x is not a function'), ['train'], plain.context({}))).toBe(1);
    expect(plain.out.stderr).toBe('error: x is not a function\n(set DGM_DEBUG=1 to see where it happened)\n');
    const debug = io();
    expect(reportError(new TypeError('x is not a function'), ['train'], debug.context({ DGM_DEBUG: '1' }))).toBe(1);
    expect(debug.out.stderr).toMatch(/^error: x is not a function\nTypeError: x is not a function\n\s+at /);
  });

  it('maps core input errors (any subclass of DgmInputError) to exit 2 without a stack', async () => {
    const { reportError } = await import('../src/cli.js');
    const { DatasetError, DgmInputError } = await import('@dgm/core/node');
    class FutureInputError extends DgmInputError {}
    for (const error of [new DatasetError('bad.npy holds int64 values; use float32 or uint8.'), new FutureInputError('one sentence.')]) {
      const r = io();
      expect(reportError(error, ['train'], r.context({ DGM_DEBUG: '1' }))).toBe(2);
      expect(r.out.stderr).toBe(`error: ${error.message}\n`);
    }
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nvidiaSmiStandIn } from './support/nvidia-smi-stand-in.js';
import { hasGpuRuntime, launchLocalWorkers, listLocalGpus, MISSING_GPU_RUNTIME, parseNvidiaSmiDevices, parseNvidiaSmiList, resolveGpuIds, workerEnv } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-cli-gpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIG = 'MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
/** What workers use of SMI_OUTPUT: GPU 1 is in MIG mode, so its MIG instance (by UUID) instead of it. */
const SMI_DEVICES = [0, MIG, 2];
const SMI_OUTPUT = [
  'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-11111111-2222-3333-4444-555555555555)',
  'GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-66666666-7777-8888-9999-000000000000)',
  '  MIG 1g.5gb     Device  0: (UUID: MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)',
  'GPU 2: Tesla T4 (UUID: GPU-abcdef00-0000-0000-0000-000000000000)',
  '',
].join('\n');

/** A stand-in `nvidia-smi` (a real executable on PATH) printing `output` for `-L`. */
function fakeNvidiaSmi(name: string, output: string, exitCode = 0): NodeJS.ProcessEnv {
  return nvidiaSmiStandIn(join(dir, name), output, { exitCode });
}

describe('nvidia-smi', () => {
  it('parses GPU lines and skips MIG entries', () => {
    expect(parseNvidiaSmiList(SMI_OUTPUT)).toEqual([0, 1, 2]);
    expect(parseNvidiaSmiList('No devices found.\n')).toEqual([]);
    expect(parseNvidiaSmiDevices(SMI_OUTPUT)).toEqual(SMI_DEVICES);
  });

  it('lists GPUs through the nvidia-smi found on PATH', () => {
    const env = fakeNvidiaSmi('smi-ok', SMI_OUTPUT);
    expect(listLocalGpus(env)).toEqual(SMI_DEVICES);
    expect(resolveGpuIds('all', env)).toEqual(SMI_DEVICES);
    expect(resolveGpuIds([3], env)).toEqual([3]);
  });

  it('takes `all` to mean the GPUs CUDA_VISIBLE_DEVICES grants, when a scheduler set it', () => {
    const env = fakeNvidiaSmi('smi-visible', SMI_OUTPUT);
    expect(resolveGpuIds('all', { ...env, CUDA_VISIBLE_DEVICES: '2,0' })).toEqual([2, 0]);
    // A UUID is passed through as granted, never renumbered from nvidia-smi's list of the whole machine.
    expect(resolveGpuIds('all', { ...env, CUDA_VISIBLE_DEVICES: 'GPU-11111111-2222' })).toEqual(['GPU-11111111-2222']);
    expect(() => resolveGpuIds('all', { ...env, CUDA_VISIBLE_DEVICES: '-1' })).toThrow(/CUDA_VISIBLE_DEVICES='-1' hides them all/);
  });

  it('explains a missing, failing or empty nvidia-smi in one sentence', () => {
    expect(() => listLocalGpus({ ...process.env, PATH: join(dir, 'nothing-here') })).toThrow(/nvidia-smi, which is not on PATH/);
    expect(() => listLocalGpus(fakeNvidiaSmi('smi-fail', 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n', 9))).toThrow(
      /nvidia-smi -L failed/,
    );
    expect(() => listLocalGpus(fakeNvidiaSmi('smi-none', 'No devices were found\n'))).toThrow(/found no GPU/);
  });
});

describe('worker environment', () => {
  it('pins one GPU per worker and grows memory on demand (with the allocator settings of every launched worker)', () => {
    const base = { PATH: '/bin', CUDA_VISIBLE_DEVICES: '0,1,2' };
    const allocator = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864' };
    expect(workerEnv(base, 1)).toEqual({ PATH: '/bin', CUDA_VISIBLE_DEVICES: '1', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', TF_FORCE_GPU_ALLOW_GROWTH: 'true', ...allocator });
    expect(workerEnv({ ...base, TF_FORCE_GPU_ALLOW_GROWTH: 'true' }, null)).toEqual({ PATH: '/bin', CUDA_VISIBLE_DEVICES: '-1', ...allocator });
    expect(base.CUDA_VISIBLE_DEVICES).toBe('0,1,2');
  });

  it('reports the missing GPU build of tfjs with the install command and CUDA/cuDNN versions', () => {
    // The real check agrees with Node's resolution, whether or not a user installed the package.
    let installed = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu/package.json');
    } catch {
      installed = false;
    }
    const env = { ...process.env };
    delete env.DGM_TFJS_NODE_GPU_STAND_IN;
    expect(hasGpuRuntime(env)).toBe(installed);
    // The test hook: a stand-in module counts as the package exactly when its file exists.
    const standIn = join(dir, 'stand-in.mjs');
    writeFileSync(standIn, '');
    expect(hasGpuRuntime({ DGM_TFJS_NODE_GPU_STAND_IN: standIn })).toBe(true);
    expect(hasGpuRuntime({ DGM_TFJS_NODE_GPU_STAND_IN: join(dir, 'missing.mjs') })).toBe(false);
    expect(hasGpuRuntime({ DGM_TFJS_NODE_GPU_STAND_IN: 'stand-in.mjs' })).toBe(false); // only an absolute path
    expect(MISSING_GPU_RUNTIME).toMatch(/npm install @tensorflow\/tfjs-node-gpu/);
    expect(MISSING_GPU_RUNTIME).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
  });
});

describe('launchLocalWorkers', () => {
  it('starts one process per GPU from `nvidia-smi -L`, each seeing only its own device', async () => {
    const env = fakeNvidiaSmi('smi-launch', SMI_OUTPUT);
    delete env.CUDA_VISIBLE_DEVICES;
    const ids = resolveGpuIds('all', env);
    // A stand-in worker program: records the environment it was started with, as tfjs would see it.
    const worker = join(dir, 'record-env.mjs');
    writeFileSync(
      worker,
      "import { writeFileSync } from 'node:fs';\n" +
        "const e = process.env;\n" +
        "writeFileSync(process.argv[2], JSON.stringify({ pid: process.pid, cuda: e.CUDA_VISIBLE_DEVICES, growth: e.TF_FORCE_GPU_ALLOW_GROWTH, order: e.CUDA_DEVICE_ORDER, launcher: e.DGM_LAUNCHER_PID, ipc: typeof process.send }));\n" +
        "console.log('ready ' + e.CUDA_VISIBLE_DEVICES);\n" +
        'process.disconnect();\n',
    );
    const lines: string[] = [];
    const workers = launchLocalWorkers({
      slots: ids.map((gpu, index) => ({ index, gpu })),
      command: process.execPath,
      args: (slot) => [worker, join(dir, `env-${slot.index}.json`)],
      baseEnv: env,
      onLine: (slot, line) => lines.push(`${slot.index}:${line}`),
    });
    const exits = await workers.waitAll();
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    const seen = ids.map((_, i) => JSON.parse(readFileSync(join(dir, `env-${i}.json`), 'utf8')));
    expect(seen.map((s) => s.cuda)).toEqual(SMI_DEVICES.map(String));
    for (const s of seen) expect(s).toMatchObject({ growth: 'true', order: 'PCI_BUS_ID', launcher: String(process.pid), ipc: 'function' });
    expect(new Set(seen.map((s) => s.pid)).size).toBe(3);
    expect(lines.sort()).toEqual(['0:ready 0', `1:ready ${MIG}`, '2:ready 2']);
  });

  it('stops workers that ignore the request: SIGTERM, then SIGKILL', async () => {
    const stubborn = join(dir, 'stubborn.mjs');
    writeFileSync(stubborn, "process.on('SIGTERM', () => {});\nconsole.log('up');\nsetInterval(() => {}, 1000);\n");
    let up = 0;
    const workers = launchLocalWorkers({
      slots: [{ index: 0, gpu: null }, { index: 1, gpu: null }],
      command: process.execPath,
      args: () => [stubborn],
      onLine: () => up++,
    });
    while (up < 2) await new Promise((r) => setTimeout(r, 20));
    const pids = workers.pids;
    const exits = await workers.stop(100, 300);
    expect(exits.map((e) => e.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('reports a worker that cannot start instead of hanging', async () => {
    const workers = launchLocalWorkers({ slots: [{ index: 0, gpu: null }], command: join(dir, 'no-such-binary'), args: () => [] });
    const [exit] = await workers.waitAll();
    expect(exit.code).toBe(127);
  });
});

describe('dgm worker --gpus all (supervisor)', () => {
  it('starts `dgm worker --gpu <id>` once per GPU listed by nvidia-smi, each pinned to its device', async () => {
    const { superviseGpuWorkers } = await import('../src/launch/worker-run.js');
    const { resolveWorkerSettings } = await import('../src/commands/worker-settings.js');
    const { Reporter } = await import('../src/progress/reporter.js');
    const env = fakeNvidiaSmi('smi-supervise', SMI_OUTPUT);
    delete env.CUDA_VISIBLE_DEVICES;
    const settings = resolveWorkerSettings({ connect: 'tcp://10.0.0.1:5555', gpus: 'all' });
    expect(settings).toMatchObject({ gpus: 'all', gpu: null, backend: 'tensorflow' });
    // Stand-in for the dgm entry script (tfjs-node-gpu cannot run here): records how it was started.
    const entry = join(dir, 'entry-record.mjs');
    writeFileSync(
      entry,
      "import { writeFileSync } from 'node:fs';\n" +
        "const gpu = process.argv[process.argv.indexOf('--gpu') + 1];\n" +
        `writeFileSync(${JSON.stringify(dir)} + '/supervised-' + gpu + '.json', JSON.stringify({ argv: process.argv.slice(2), cuda: process.env.CUDA_VISIBLE_DEVICES, growth: process.env.TF_FORCE_GPU_ALLOW_GROWTH }));\n` +
        "console.log('worker on ' + gpu);\n",
    );
    let out = '';
    const sink = { write: (s: string) => (out += s) };
    const context = { stdout: sink, stderr: sink, env, cwd: dir, entryScript: entry };
    const reporter = new Reporter({ mode: 'plain', stdout: sink, stderr: sink, color: false });
    const code = await superviseGpuWorkers(settings, resolveGpuIds('all', env), reporter, context);
    expect(code).toBe(0);
    for (const gpu of SMI_DEVICES) {
      const seen = JSON.parse(readFileSync(join(dir, `supervised-${gpu}.json`), 'utf8'));
      expect(seen).toEqual({ argv: ['worker', '--connect', 'tcp://10.0.0.1:5555', '--gpu', String(gpu), '--backend', 'tensorflow'], cuda: String(gpu), growth: 'true' });
    }
    expect(out).toContain(`[gpu ${MIG}] worker on ${MIG}`);
    expect(out).toContain(`Started 3 worker processes on GPUs 0, ${MIG}, 2`);

    // The advanced flags reach every child as given.
    const { workerRuntimeArgs } = await import('../src/commands/runtime-flags.js');
    const forwarded = workerRuntimeArgs({ connect: 'tcp://10.0.0.1:5555', gpus: 'all', 'run-id': 'r1', 'timeout-ms': '3000', 'no-shared-memory': true });
    expect(forwarded).toEqual(['--run-id', 'r1', '--timeout-ms', '3000', '--no-shared-memory']);
    expect(await superviseGpuWorkers(settings, [0, 1], reporter, context, undefined, forwarded)).toBe(0);
    for (const gpu of [0, 1]) {
      expect(JSON.parse(readFileSync(join(dir, `supervised-${gpu}.json`), 'utf8')).argv).toEqual(['worker', '--connect', 'tcp://10.0.0.1:5555', '--gpu', String(gpu), '--backend', 'tensorflow', ...forwarded]);
    }
  });
});

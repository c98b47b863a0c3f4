// @dgm/core must be usable by any tfjs program on its own: no ZeroMQ, msgpack or winston.
// We copy the built package into a scratch project outside the workspace whose node_modules
// holds only core's declared dependencies (linked from the workspace), then import it there.
// Node resolves core's own imports from the scratch project only, so a stray
// `import 'zeromq'` anywhere in core fails this test.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const coreRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const workspaceModules = resolve(coreRoot, '../../node_modules');
const forbidden = ['zeromq', 'msgpackr', 'winston'];

describe('@dgm/core standalone', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'dgm-core-standalone-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('declares none of the runtime-only dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(coreRoot, 'package.json'), 'utf8'));
    const declared = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    for (const name of forbidden) expect(declared).not.toContain(name);
  });

  // The scratch project: built core and its declared dependencies only (made once, on first use).
  let made = false;
  function makeScratchProject(): void {
    if (made) return;
    expect(existsSync(join(coreRoot, 'dist/index.js')), 'core must be built (npm run build)').toBe(true);
    const pkg = JSON.parse(readFileSync(join(coreRoot, 'package.json'), 'utf8'));
    const modules = join(scratch, 'node_modules');
    mkdirSync(join(modules, '@dgm', 'core'), { recursive: true });
    for (const entry of ['package.json', 'dist', 'assets']) {
      if (existsSync(join(coreRoot, entry))) cpSync(join(coreRoot, entry), join(modules, '@dgm', 'core', entry), { recursive: true });
    }
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      const target = join(modules, dep);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(workspaceModules, dep), target, 'dir');
    }
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', type: 'module', private: true }));
    made = true;
  }

  it('imports @dgm/core, /node, /names and /schema in a project without zeromq, msgpackr or winston', () => {
    makeScratchProject();
    writeFileSync(
      join(scratch, 'probe.mjs'),
      [
        "const core = await import('@dgm/core');",
        "const node = await import('@dgm/core/node');",
        "const names = await import('@dgm/core/names');",
        "const schema = await import('@dgm/core/schema');",
        "for (const name of ['zeromq', 'msgpackr', 'winston']) {",
        '  let found = true; try { await import(name); } catch { found = false; }',
        "  if (found) throw new Error(name + ' is resolvable from the scratch project');",
        '}',
        "console.log(JSON.stringify({ core: Object.keys(core).length, node: Object.keys(node).length, createModel: typeof core.createModel, Trainer: typeof core.Trainer, names: names.MODEL_NAMES.length, schema: typeof schema.firstProblem }));",
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['probe.mjs'], { cwd: scratch, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result.createModel).toBe('function');
    expect(result.Trainer).toBe('function');
    expect(result.node).toBeGreaterThan(result.core);
    expect(result.names).toBe(4);
    expect(result.schema).toBe('function');
  });

  it("does not carry the bundled datasets: without @dgm/datasets, loadDataset('mnist') says to install it", () => {
    const pkg = JSON.parse(readFileSync(join(coreRoot, 'package.json'), 'utf8'));
    for (const name of ['mnist', 'fashion-mnist', '@dgm/datasets']) expect(Object.keys(pkg.dependencies)).not.toContain(name);
    expect(pkg.peerDependenciesMeta['@dgm/datasets']).toEqual({ optional: true });
    makeScratchProject();
    writeFileSync(
      join(scratch, 'no-datasets.mjs'),
      [
        "const { loadDataset } = await import('@dgm/core/node');",
        'const outcome = [];',
        "for (const spec of ['mnist', 'fashion-mnist']) {",
        '  try { await loadDataset(spec); outcome.push({ spec, loaded: true }); }',
        '  catch (e) { outcome.push({ spec, name: e.name, message: e.message }); }',
        '}',
        'console.log(JSON.stringify(outcome));',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['no-datasets.mjs'], { cwd: scratch, encoding: 'utf8' });
    const outcome = JSON.parse(out.trim().split('\n').pop()!);
    expect(outcome).toEqual(
      ['mnist', 'fashion-mnist'].map((spec) => ({
        spec,
        name: 'DatasetError',
        message:
          `The dataset '${spec}' ships in the package @dgm/datasets, which is not installed; install it next to @dgm/core ` +
          '(npm install @dgm/datasets; the dgm CLI includes it) or give a dataset file with idx:, npy: or images:.',
      })),
    );
  });
});

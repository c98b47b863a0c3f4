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

  it('imports @dgm/core, /node, /names and /schema in a project without zeromq, msgpackr or winston', () => {
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
});

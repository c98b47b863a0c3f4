// The benches find their PyTorch reference scripts inside the project, from any clone: the paths the
// compiled harness (tools/dist/bench) resolves exist and lie under this checkout, the DGM_BENCH_*
// variables still override them, and no bench file names a path of one machine. No PyTorch runs
// here, so a machine without torch passes too.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const TOOLS = dirname(dirname(fileURLToPath(import.meta.url)));
const REPO = dirname(TOOLS);
const DIST_BENCH = join(TOOLS, 'dist', 'bench');
const OVERRIDES = ['DGM_BENCH_PYTHON', 'DGM_BENCH_ANCHOR', 'DGM_BENCH_ALLREDUCE_ANCHOR'];

interface Resolved {
  python: string;
  dcgan: string;
  dcganDdp: string;
  allreduce: string;
  dense: string;
  projectScripts: Record<string, string>;
}

/**
 * What the compiled harness resolves, read in a fresh node process (the paths are fixed when the
 * modules load, and the caller's own DGM_BENCH_* variables must not leak in). Importing these
 * modules loads no tfjs and runs no Python.
 */
function resolvedBy(env: Record<string, string>): Resolved {
  const url = (file: string) => JSON.stringify(pathToFileURL(join(DIST_BENCH, file)).href);
  const script = `
    const scripts = await import(${url('torch-scripts.js')});
    const anchor = await import(${url('torch-anchor.js')});
    const projectScripts = Object.fromEntries(scripts.TORCH_SCRIPT_NAMES.map((n) => [n, scripts.projectTorchScript(n)]));
    console.log(JSON.stringify({ python: anchor.PYTHON, dcgan: anchor.DCGAN_ANCHOR, dcganDdp: scripts.DCGAN_ANCHOR,
      allreduce: scripts.ALLREDUCE_ANCHOR, dense: anchor.DENSE_ANCHOR, projectScripts }));`;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OVERRIDES.includes(k)));
  // Run from / so that nothing can depend on the working directory.
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: '/', env: { ...clean, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as Resolved;
}

function insideRepo(path: string): boolean {
  const rel = relative(realpathSync(REPO), realpathSync(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'dist' || name === 'node_modules' || name === '__pycache__') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(ts|py|md|json)$/.test(name) ? [path] : [];
  });
}

describe('the benches find their PyTorch reference scripts in the project', () => {
  it('has the compiled harness (nx builds tools before testing it)', () => {
    expect(existsSync(join(DIST_BENCH, 'torch-scripts.js')), `${DIST_BENCH} is not built: run npm run build`).toBe(true);
  });

  it('resolves every script to a file in tools/bench/torch/ of this checkout', () => {
    const r = resolvedBy({});
    const torchDir = realpathSync(join(TOOLS, 'bench', 'torch'));
    const scripts = { dcgan: r.dcgan, dcganDdp: r.dcganDdp, allreduce: r.allreduce, dense: r.dense, ...r.projectScripts };
    for (const [what, path] of Object.entries(scripts)) {
      expect(existsSync(path), `${what}: ${path} does not exist`).toBe(true);
      expect(insideRepo(path), `${what}: ${path} is outside ${REPO}`).toBe(true);
      expect(dirname(realpathSync(path)), what).toBe(torchDir);
    }
    expect(r.dcgan.endsWith('ddp_dcgan.py') && r.dcganDdp === r.dcgan).toBe(true);
    expect(r.allreduce.endsWith('ddp_allreduce.py')).toBe(true);
    expect(r.dense.endsWith('dense_models.py')).toBe(true);
    expect(r.python).toBe('/usr/bin/python3');
  });

  it('lets DGM_BENCH_PYTHON, DGM_BENCH_ANCHOR and DGM_BENCH_ALLREDUCE_ANCHOR override them', () => {
    const r = resolvedBy({ DGM_BENCH_PYTHON: '/opt/py/bin/python3', DGM_BENCH_ANCHOR: '/x/dcgan.py', DGM_BENCH_ALLREDUCE_ANCHOR: '/x/ar.py' });
    expect([r.python, r.dcgan, r.dcganDdp, r.allreduce]).toEqual(['/opt/py/bin/python3', '/x/dcgan.py', '/x/dcgan.py', '/x/ar.py']);
    expect(insideRepo(r.dense)).toBe(true);
  });

  it('names no path of one machine in the bench sources or BENCHMARKS.md', () => {
    const files = [...filesUnder(join(TOOLS, 'bench')), join(REPO, 'BENCHMARKS.md')];
    const offenders = files.filter((f) => /\/work\/|shared\/anchors/.test(readFileSync(f, 'utf8'))).map((f) => relative(REPO, f));
    expect(offenders).toEqual([]);
  });
});

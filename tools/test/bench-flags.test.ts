// Every entry point of tools/bench, tools/cluster and tools/classifier answers a bad flag the same way (bench-args.ts):
// one line naming the flag with the usage, exit code 2, nothing on stdout, no stack trace, and
// before TensorFlow.js loads; --help prints the usage and exits 0. The entry points are found, not
// listed: the compiled modules no other module imports (statically or by `import()`) or spawns
// (`new URL('./x.js', import.meta.url)`), so a new bench is checked as soon as it is built, and
// one that does not read its flags through bench-args.ts fails here.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const TOOLS = fileURLToPath(new URL('..', import.meta.url));
const DIRS = ['bench', 'cluster', 'classifier'];
const ARGS_MODULE = join(TOOLS, 'dist', 'bench', 'bench-args.js');

/** Compiled modules of tools/bench, tools/cluster and tools/classifier whose source still exists (dist may hold stale ones). */
function modules(): string[] {
  return DIRS.flatMap((d) =>
    readdirSync(join(TOOLS, 'dist', d))
      .filter((f) => f.endsWith('.js') && existsSync(join(TOOLS, d, f.replace(/\.js$/, '.ts'))))
      .map((f) => join(TOOLS, 'dist', d, f)),
  );
}

/** The local modules a compiled module imports, loads with import() or spawns by URL. */
function references(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport\s*\(?|new URL\()\s*'(\.\.?\/[^']+\.js)'/g)].map((m) => resolve(dirname(file), m[1]!));
}

function entryPoints(): string[] {
  const all = modules();
  const referenced = new Set(all.flatMap(references));
  return all.filter((f) => !referenced.has(f));
}

const watchDir = mkdtempSync(join(tmpdir(), 'dgm-bench-flags-test-'));
afterAll(() => rmSync(watchDir, { recursive: true, force: true }));
// @dgm/core loads TensorFlow.js with require(): a process that did shows it in require.cache on exit.
const WATCH = join(watchDir, 'tfjs-watch.cjs');
writeFileSync(WATCH, "process.on('exit', () => { if (Object.keys(require.cache).some((k) => k.includes('/@tensorflow/'))) require('node:fs').writeSync(2, 'TensorFlow.js was loaded\\n'); });\n");

interface Ended {
  entry: string;
  code: number | null;
  out: string;
  err: string;
}

function run(entry: string, args: string[]): Promise<Ended> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--require', WATCH, entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => done({ entry: relative(join(TOOLS, 'dist'), entry), code, out, err }));
  });
}

/** Each entry point with these arguments, two processes at a time (the machine has two cores). */
async function runAll(entries: string[], args: string[]): Promise<Ended[]> {
  const results: Ended[] = [];
  let next = 0;
  const lane = async () => {
    while (next < entries.length) results.push(await run(entries[next++]!, args));
  };
  await Promise.all([lane(), lane()]);
  return results.sort((a, b) => a.entry.localeCompare(b.entry));
}

describe('bench entry points', () => {
  const entries = entryPoints();

  it('are found, and each reads its flags through bench-args.ts', () => {
    const names = entries.map((e) => relative(join(TOOLS, 'dist'), e));
    // Not a list to keep up to date: enough to show the search finds benches of both folders.
    expect(names).toEqual(expect.arrayContaining(['bench/allreduce.js', 'bench/quality.js', 'bench/run.js', 'cluster/main.js']));
    // Modules that others import (stats.js, trainer-throughput.js) or spawn (allreduce-peer.js) are not entry points.
    expect(names).not.toContain('bench/stats.js');
    expect(names).not.toContain('bench/allreduce-peer.js');
    expect(names.filter((n, i) => !references(entries[i]!).includes(ARGS_MODULE))).toEqual([]);
  });

  it('refuse an unknown flag with one line naming it and the usage, exit code 2, before loading TensorFlow.js', async () => {
    for (const r of await runAll(entries, ['--no-such-flag'])) {
      expect({ entry: r.entry, code: r.code, out: r.out }).toEqual({ entry: r.entry, code: 2, out: '' });
      expect(r.err, r.entry).toMatch(/^[^\n]*--no-such-flag[^\n]*; usage: [^\n]+\n$/);
      expect(r.err, r.entry).not.toMatch(/^\s+at /m);
    }
  });

  it('print their usage for --help and exit 0', async () => {
    for (const r of await runAll(entries, ['--help'])) {
      expect({ entry: r.entry, code: r.code, err: r.err }).toEqual({ entry: r.entry, code: 0, err: '' });
      expect(r.out, r.entry).toMatch(/^usage: (node tools\/dist\/|npm run bench)/);
    }
  });
});

// @dgm/core/names and /schema must load no TensorFlow.js: the CLI validates flags and prints --help from them,
// and loading tfjs costs a second. A child process reports, as it exits, every @tensorflow module
// in Node's module cache (tfjs is CommonJS, so loading it from ESM goes through that cache).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const REPORT_TFJS =
  "import { createRequire } from 'node:module'; import { writeSync } from 'node:fs';" +
  "const cache = createRequire(process.cwd() + '/probe.js').cache;" +
  "process.on('exit', () => writeSync(1, JSON.stringify(Object.keys(cache).filter((k) => k.includes('@tensorflow')).length)));";

/** How many @tensorflow modules a process that only runs `code` has loaded. */
function tfjsModulesLoadedBy(code: string): number {
  const out = execFileSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REPORT_TFJS)}`, '--input-type=module', '-e', code], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
  });
  return Number(out.trim().split('\n').pop());
}

describe('@dgm/core/names and @dgm/core/schema', () => {
  it('declare the names and option schemas without loading tfjs (and the probe sees tfjs when @dgm/core loads it)', () => {
    expect(tfjsModulesLoadedBy("const n = await import('@dgm/core/names'); if (!n.MODEL_NAMES.includes('dcgan')) process.exit(3);")).toBe(0);
    expect(tfjsModulesLoadedBy("const s = await import('@dgm/core/schema'); if (!s.intIn(1, 2).safeParse(1).success) process.exit(3);")).toBe(0);
    expect(tfjsModulesLoadedBy("await import('@dgm/core');")).toBeGreaterThan(0);
  });
});

// `@dgm/core/errors` is what front ends load to classify errors before (or without) loading a
// model: it must not load tfjs, and its classes must be the very ones `@dgm/core` exports, or an
// input error thrown by a model would not be recognised as one.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const coreRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function probe(lines: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', lines.join('\n')], { cwd: coreRoot, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('@dgm/core/errors', () => {
  it('loads without tfjs', () => {
    const result = probe([
      "import { createRequire } from 'node:module';",
      "const errors = await import('@dgm/core/errors');",
      "const require = createRequire(import.meta.url);",
      'const tfjsModules = () => Object.keys(require.cache).filter((p) => p.includes("@tensorflow")).length;',
      'const before = tfjsModules();',
      // The control: the same count sees tfjs once the full entry is loaded.
      "await import('@dgm/core');",
      'console.log(JSON.stringify({ exports: Object.keys(errors).sort(), before, after: tfjsModules() }));',
    ]);
    expect(result.exports).toEqual(['DgmInputError', 'DgmRunError', 'isInputError', 'isRunError']);
    expect(result.before).toBe(0);
    expect(result.after).toBeGreaterThan(0);
  });

  it('holds the same classes as @dgm/core, so instanceof works whichever entry threw', () => {
    const result = probe([
      "const errors = await import('@dgm/core/errors');",
      "const core = await import('@dgm/core/node');",
      'const data = new core.DatasetError("x");',
      'console.log(JSON.stringify({ input: errors.DgmInputError === core.DgmInputError, run: errors.DgmRunError === core.DgmRunError, dataIsInput: errors.isInputError(data), dataIsRun: errors.isRunError(data) }));',
    ]);
    expect(result).toEqual({ input: true, run: true, dataIsInput: true, dataIsRun: false });
  });
});

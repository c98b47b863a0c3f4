// Core loads TensorFlow.js through "#tfjs" (package.json "imports"): in Node the CommonJS bundle
// by require() with its export names listed in src/tfjs/node.ts (an ES import of it would make
// Node lex ~10 MB of source at every process start), elsewhere the ES module. The list must be
// exactly the package's, and the values its own, or core would see undefined where tfjs has a
// function.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('Node resolves #tfjs to the require() entry; the map sends types and bundlers to the ES module', () => {
  const resolved = (conditions: string[]) =>
    execFileSync(process.execPath, [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', "console.log(import.meta.resolve('#tfjs'))"], { cwd: packageDir, encoding: 'utf8' }).trim();
  expect(resolved([])).toMatch(/\/dist\/tfjs\/node\.js$/);
  const pkg = createRequire(import.meta.url)('../package.json') as { imports: Record<string, Record<string, string>> };
  expect(pkg.imports['#tfjs']).toEqual({ types: './dist/tfjs/module.d.ts', node: './dist/tfjs/node.js', default: './dist/tfjs/module.js' });
});

it('the Node entry exports every name of the installed @tensorflow/tfjs, and the very same values', async () => {
  const entry = (await import('../dist/tfjs/node.js')) as Record<string, unknown>;
  const tfjs = createRequire(import.meta.url)('@tensorflow/tfjs') as Record<string, unknown>;
  expect(Object.keys(entry).sort()).toEqual(Object.keys(tfjs).sort());
  const different = Object.keys(tfjs).filter((name) => entry[name] !== tfjs[name]);
  expect(different).toEqual([]);
});

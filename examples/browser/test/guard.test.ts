// The page's build refuses any Node built-in in the browser bundle, naming the module and who
// imported it (build.mjs's nodeBuiltinsGuard). That the real page builds, its dependencies'
// Node branches disabled, is checked by page.test.ts, which builds it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPage } from '../build.mjs';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('the browser bundle guard', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'dgm-browser-guard-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("fails the build of a page importing node:fs, naming the module and the importer", async () => {
    const failure = await buildPage({ entry: path.join(fixtures, 'imports-node-fs.ts'), outdir: path.join(out, 'fs') }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(
      /The Node built-in 'node:fs' reached the browser bundle \(imported by \S*imports-node-fs\.ts\); the page may import @dgm\/core, never @dgm\/core\/node or Node modules\./,
    );
  });

  it('fails the build of a page importing @dgm/core/node', async () => {
    const failure = await buildPage({ entry: path.join(fixtures, 'imports-core-node.ts'), outdir: path.join(out, 'core-node') }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/The Node built-in 'node:[a-z/_]+' reached the browser bundle \(imported by \S*packages\/core\/dist\//);
  });
});

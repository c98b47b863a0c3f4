// Runs the README's "Use the models alone" code block exactly as a user would paste it: the
// block is cut out of README.md, written next to @dgm/core's package.json (so '@dgm/core'
// resolves to the built package by self-reference) and run by node in a child process.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const coreRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function readmeSnippet(): string {
  const readme = readFileSync(join(coreRoot, '../../README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use the models alone'));
  const block = section && /```js\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```js block under "## Use the models alone"');
  return block[1];
}

it('the README snippet trains a VAE and samples from it', () => {
  const file = join(coreRoot, 'readme-snippet.tmp.mjs');
  writeFileSync(file, readmeSnippet());
  try {
    const out = execFileSync(process.execPath, [file], { cwd: coreRoot, encoding: 'utf8' });
    const lines = out.trim().split('\n').filter((l) => /^(step|samples)/.test(l));
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('samples: [16, 28, 28, 1]');
    const elbo = lines.slice(0, 10).map((line) => Number(/ELBO (-?[\d.]+)/.exec(line)?.[1]));
    expect(elbo.every(Number.isFinite)).toBe(true);
    expect(elbo[9]).toBeGreaterThan(elbo[0]); // the ELBO rises as the VAE learns
  } finally {
    rmSync(file, { force: true });
  }
});

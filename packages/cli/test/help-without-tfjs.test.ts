// `dgm --help` and flag validation must not load TensorFlow.js (a second of start-up, and a
// native module on machines with tfjs-node): the names they check against come from
// @dgm/core/names. A child process reports, as it exits, every @tensorflow module in Node's
// module cache (tfjs is CommonJS, so loading it from ESM goes through that cache).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DGM = fileURLToPath(new URL('../bin/dgm.js', import.meta.url));
const REPORT_TFJS =
  "import { createRequire } from 'node:module'; import { writeSync } from 'node:fs';" +
  "const cache = createRequire(process.cwd() + '/probe.js').cache;" +
  "process.on('exit', () => writeSync(2, '\\ntfjs modules: ' + Object.keys(cache).filter((k) => k.includes('@tensorflow')).length + '\\n'));";

/** Runs dgm and returns its exit code and how many @tensorflow modules it loaded. */
function dgmLoading(argv: string[]): { code: number | null; tfjsModules: number } {
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REPORT_TFJS)}`, DGM, ...argv], { encoding: 'utf8' });
  const match = /tfjs modules: (\d+)/.exec(r.stderr);
  if (!match) throw new Error(`no report from dgm ${argv.join(' ')}: ${r.stderr}`);
  return { code: r.status, tfjsModules: Number(match[1]) };
}

describe('dgm without tfjs', () => {
  it('prints --help and refuses a bad flag without loading tfjs', () => {
    expect(dgmLoading(['--help'])).toEqual({ code: 0, tfjsModules: 0 });
    expect(dgmLoading(['train', '--help'])).toEqual({ code: 0, tfjsModules: 0 });
    expect(dgmLoading(['train', '--model', 'gpt'])).toEqual({ code: 2, tfjsModules: 0 });
  });
});

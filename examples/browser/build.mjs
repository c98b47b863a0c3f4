// Bundles the example page with esbuild: dist/index.html, dist/main.js and the wasm backend's
// .wasm files in dist/wasm/. `npm run build` writes dist/ and prints the JavaScript's gzip size.
//
// The guard: a browser bundle must hold no Node built-in. esbuild's browser platform refuses the
// ones it cannot resolve, with a generic message; the plugin makes the rule explicit (also for an
// import marked external), names who imported the module and what the page may import instead
// (test/guard.test.ts proves it fails the build). Packages whose package.json "browser" field disables a built-in for the browser
// (tfjs-backend-wasm's Emscripten glue requires fs and path in its Node branch) stay allowed:
// that import resolves to an empty module, not to Node's.
import { builtinModules } from 'node:module';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The .wasm files tfjs-backend-wasm may fetch (which one depends on SIMD and threads support). */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const RESOLVING = Symbol('node-builtins-guard');

/** esbuild plugin: any import of a Node built-in that the browser field does not disable fails the build. */
export const nodeBuiltinsGuard = {
  name: 'node-builtins-guard',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, async (args) => {
      if (!BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined;
      if (args.pluginData === RESOLVING) return undefined;
      // How esbuild itself resolves it for the browser: disabled by a "browser" field (fine) or not.
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: RESOLVING,
      });
      // Resolved without error and bundled: disabled by a "browser" field (an empty module) or an
      // npm package of that name (e.g. string_decoder from node_modules), not Node's module.
      if (resolved.errors.length === 0 && !resolved.external) return undefined;
      const importer = path.relative(process.cwd(), args.importer) || args.importer;
      return {
        errors: [
          {
            text: `The Node built-in '${args.path}' reached the browser bundle (imported by ${importer}); the page may import @dgm/core, never @dgm/core/node or Node modules.`,
          },
        ],
      };
    });
  },
};

/**
 * Bundles `entry` for the browser into `outdir` (main.js, index.html, wasm/). Rejects with
 * esbuild's errors (the guard's among them) when the bundle cannot be built.
 */
export async function buildPage({ entry = path.join(here, 'src/main.ts'), outdir = path.join(here, 'dist'), minify = true } = {}) {
  const result = await esbuild.build({
    entryPoints: { main: entry },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify,
    sourcemap: false,
    outdir,
    metafile: true,
    logLevel: 'silent',
    plugins: [nodeBuiltinsGuard],
  });
  await mkdir(path.join(outdir, 'wasm'), { recursive: true });
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const file of WASM_FILES) await copyFile(path.join(wasmDir, file), path.join(outdir, 'wasm', file));
  await copyFile(path.join(here, 'index.html'), path.join(outdir, 'index.html'));
  const js = await readFile(path.join(outdir, 'main.js'));
  return { outdir, metafile: result.metafile, jsBytes: js.length, jsGzipBytes: gzipSync(js, { level: 9 }).length };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildPage();
  const wasm = await Promise.all(WASM_FILES.map((f) => stat(path.join(built.outdir, 'wasm', f))));
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`${path.relative(process.cwd(), built.outdir)}/main.js: ${kb(built.jsBytes)} (${kb(built.jsGzipBytes)} gzip)`);
  console.log(`${path.relative(process.cwd(), built.outdir)}/wasm/: ${wasm.map((s, i) => `${WASM_FILES[i]} ${kb(s.size)}`).join(', ')}`);
}

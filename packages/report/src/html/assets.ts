// What the page embeds so it opens from disk, offline: uPlot (charts; small, no dependencies,
// MIT) read from node_modules at render time, and the report's own script and style. Read once
// per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  reportJs: string;
  reportCss: string;
}

let cached: PageAssets | null = null;

export function pageAssets(): PageAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const own = (name: string) => readFileSync(new URL(`../../assets/${name}`, import.meta.url), 'utf8');
  cached = {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    reportJs: own('report.js'),
    reportCss: own('report.css'),
  };
  return cached;
}

/** Script text safe inside <script>: a literal '</script' in it would end the element. */
export function inlineScript(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script');
}

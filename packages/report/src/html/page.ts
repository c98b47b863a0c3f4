// report.html: one self-contained page (charts library, script, style, data and every grid
// inside it), so it opens from disk, from files copied over ssh, and offline.
import { spread } from '../read-run.js';
import type { RunView, StepLine } from '../run-view.js';
import { inlineScript, pageAssets } from './assets.js';
import { html, scriptJson } from './escape.js';
import { configSection, evaluationSection, eventsSection, launchSection, noticesSection, statusLine } from './sections.js';

/** The charts' data, one array per series over `steps` (null where a line lacks the value). */
export interface ChartData {
  steps: number[];
  losses: Record<string, (number | null)[]>;
  lr: (number | null)[] | null;
  samplesPerSec: (number | null)[];
  computeMs: (number | null)[];
  commMs: (number | null)[];
  /** One series per rank (null when no line has per-worker times). */
  workerComputeMs: (number | null)[][] | null;
}

/** Most points a chart draws: a longer run is shown at evenly spread steps (the page stays light). */
export const MAX_CHART_POINTS = 10_000;

export function chartData(all: StepLine[]): ChartData {
  const steps = all.length > MAX_CHART_POINTS ? spread(all.length, MAX_CHART_POINTS).map((i) => all[i]) : all;
  const column = (pick: (s: StepLine) => number | undefined) => steps.map((s) => pick(s) ?? null);
  const lossNames = [...new Set(steps.flatMap((s) => Object.keys(s.losses)))];
  const ranks = Math.max(0, ...steps.map((s) => s.workerComputeMs?.length ?? 0));
  return {
    steps: steps.map((s) => s.step),
    losses: Object.fromEntries(lossNames.map((name) => [name, column((s) => s.losses[name])])),
    lr: steps.some((s) => s.lr !== undefined) ? column((s) => s.lr) : null,
    samplesPerSec: column((s) => s.samplesPerSec),
    computeMs: column((s) => s.computeMs),
    commMs: column((s) => s.commMs),
    workerComputeMs: ranks === 0 ? null : Array.from({ length: ranks }, (_, r) => column((s) => s.workerComputeMs?.[r])),
  };
}

function dataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

function samplesSection(v: RunView): string {
  if (v.grids.length === 0) return '<section id="samples"><h2>Samples</h2><p class="muted">No sample grid yet.</p></section>';
  const latest = v.grids.at(-1)!;
  const thumbs = v.grids.map((g, i) => `<img class="thumb" data-index="${i}" data-step="${g.step}" alt="samples at step ${g.step}" title="step ${g.step}" src="${dataUri(g.png)}">`).join('');
  const shown = v.gridCount > v.grids.length ? ` (${v.grids.length} of ${v.gridCount}, evenly spread)` : '';
  return `<section id="samples"><h2>Samples</h2>
<div class="grid-controls"><label for="grid-slider">step <output id="grid-step">${latest.step}</output></label>
<input type="range" id="grid-slider" min="0" max="${v.grids.length - 1}" value="${v.grids.length - 1}" step="1"${v.grids.length === 1 ? ' disabled' : ''}>
<span class="muted">${v.grids.length} grid${v.grids.length === 1 ? '' : 's'}${html(shown)}; GAN grids use the same fixed latent noise at every step</span></div>
<img id="grid-large" alt="samples at step ${latest.step}" src="${dataUri(latest.png)}">
<div class="strip">${thumbs}</div></section>`;
}

function chartsSection(v: RunView): string {
  if (v.steps.length === 0) return '<section id="training"><h2>Training</h2><p class="muted">No step yet: the charts appear after the first step.</p></section>';
  return `<section id="training"><h2>Training</h2>
<div class="chart-controls"><label for="smoothing">smoothing <output id="smoothing-value">0.6</output></label> <input type="range" id="smoothing" min="0" max="0.99" step="0.01" value="0.6"> <span class="muted">raw values faint, smoothed bold (exponential moving average, debiased)</span></div>
${v.steps.length > MAX_CHART_POINTS ? `<p class="muted">${v.steps.length} steps, drawn at ${MAX_CHART_POINTS} evenly spread ones.</p>` : ''}
<div id="charts" class="charts"></div>
<noscript><p>The charts need JavaScript; the numbers are in metrics.jsonl.</p></noscript></section>`;
}

/** The whole page of the run `v`. */
export function renderReport(v: RunView): string {
  const a = pageAssets();
  const family = v.config?.config.model === undefined ? null : String(v.config.config.model);
  // A run still going: the page reloads itself as often as the coordinator rewrites it.
  const live = v.launch.status === 'running';
  const data = { name: v.name, family, live, chart: chartData(v.steps) };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dgm · ${html(v.name)}</title>
<style>${a.uplotCss}</style>
<style>${a.reportCss}</style>
</head><body>
<header><h1>${html(v.name)}</h1><p class="muted">${html(v.dir)}</p>${statusLine(v)}</header>
<main>
${noticesSection(v)}
${chartsSection(v)}
${samplesSection(v)}
${evaluationSection(v)}
<div class="columns">${launchSection(v)}${configSection(v)}</div>
${eventsSection(v)}
</main>
<script type="application/json" id="dgm-data">${scriptJson(data)}</script>
<script>${inlineScript(a.uplotJs)}</script>
<script>${inlineScript(a.reportJs)}</script>
</body></html>
`;
}

// The parts of the page that are text, rendered here so they read without JavaScript: the
// status line, notices, launch, evaluations, events and the config.
import type { EvalRecord, RunView } from '../run-view.js';
import { html, num } from './escape.js';

const STATUS_WORDS: Record<RunView['launch']['status'], string> = { running: 'running (or stopped without a last word)', finished: 'finished', stopped: 'stopped', failed: 'failed', unknown: 'not started' };

export function statusLine(v: RunView): string {
  const s = v.launch;
  const last = v.steps.at(-1);
  const steps = last ? `step ${last.step}${typeof v.config?.config.steps === 'number' ? ` of ${v.config.config.steps}` : ''}` : 'no step yet';
  const detail = s.statusDetail && (s.status === 'failed' || s.status === 'stopped') ? `: ${html(s.statusDetail)}` : '';
  return `<p class="status status-${s.status}" id="status"><strong>${html(STATUS_WORDS[s.status])}</strong>${detail} · ${html(steps)} · report written ${html(v.renderedAt.replace('T', ' ').slice(0, 19))} UTC${s.status === 'running' ? ' · <span id="live">reloads every 30 s while the run goes (until you move a slider)</span>' : ''}</p>`;
}

export function noticesSection(v: RunView): string {
  if (v.notices.length === 0) return '';
  return `<section id="notices" class="notices"><h2>Missing or incomplete</h2><ul>${v.notices.map((n) => `<li>${html(n)}</li>`).join('')}</ul></section>`;
}

function row(key: string, value: string): string {
  return `<tr><th>${html(key)}</th><td>${value}</td></tr>`;
}

export function launchSection(v: RunView): string {
  const l = v.launch;
  const c = v.config?.config;
  const rows = [
    row('command', l.command ? `<code>${html(l.command)}</code>` : '–'),
    row('model', c ? html(`${String(c.model)} on ${String(c.data)}`) : '–'),
    row('global batch · steps · seed', c ? html(`${String(c.globalBatch)} · ${String(c.steps)} · ${String(c.seed)}`) : '–'),
    row('coordinator backend', html(l.backend ?? '–')),
    row('data plane', html(l.dataPlane ?? '–')),
    row('workers', l.workers.length === 0 ? 'none joined yet' : html(l.workers.map((w) => `rank ${w.rank}: ${w.host ?? '?'} pid ${w.pid ?? '?'} ${w.backend ?? ''} ${w.device ?? ''}`.trim()).join('; '))),
  ];
  return `<section id="launch"><h2>Run</h2><table class="facts">${rows.join('')}</table></section>`;
}

/** A class histogram as a row of bars (generated solid, real as an outline), no script needed. */
function histogram(generated: number[] | undefined, real: number[] | undefined): string {
  if (!generated || generated.length === 0) return '';
  const top = Math.max(...generated, ...(real ?? []), 1e-9);
  const bars = generated.map((g, i) => {
    const r = real?.[i];
    const realBar = r === undefined ? '' : `<span class="bar-real" style="height:${((100 * r) / top).toFixed(1)}%"></span>`;
    return `<span class="bar" title="class ${i}: ${num(g)}${r === undefined ? '' : ` (real ${num(r)})`}"><span class="bar-gen" style="height:${((100 * g) / top).toFixed(1)}%"></span>${realBar}<span class="bar-label">${i}</span></span>`;
  });
  return `<div class="histogram">${bars.join('')}</div>`;
}

function evalRow(e: EvalRecord, histograms: boolean): string {
  const when = html(`step ${e.step}`);
  const scores =
    e.family === 'vae'
      ? `test ELBO <strong>${num(e.elbo)}</strong> nats (reconstruction ${num(e.reconstruction)}, KL ${num(e.kl)})`
      : `FID <strong>${num(e.fid)}</strong> (floor ${num(e.floorFid)}) · classifier score <strong>${num(e.classifierScore)}</strong> (real ${num(e.realClassifierScore)})`;
  return `<tr><td>${when}</td><td>${html(e.dataset)} · ${html(e.count)} images</td><td>${scores}</td>${histograms ? `<td>${histogram(e.classHistogram, e.realClassHistogram)}</td>` : ''}<td class="muted">${html(e.time.replace('T', ' ').slice(0, 19))}</td></tr>`;
}

function evaluationTable(evaluations: EvalRecord[]): string {
  // Class histograms exist for GAN scores only: no empty column for a VAE's runs.
  const histograms = evaluations.some((e) => (e.classHistogram?.length ?? 0) > 0);
  const head = `<tr><th>checkpoint</th><th>data</th><th>scores</th>${histograms ? '<th>class histogram (real data: outline)</th>' : ''}<th>when</th></tr>`;
  return `<table class="evals">${head}${evaluations.map((e) => evalRow(e, histograms)).join('')}</table>`;
}

export function evaluationSection(v: RunView): string {
  const body =
    v.evaluations.length === 0
      ? '<p class="muted">No evaluation yet: <code>dgm eval RUN</code> adds one (the end of <code>dgm train</code> does too).</p>'
      : evaluationTable(v.evaluations);
  return `<section id="evaluation"><h2>Evaluation</h2>${body}</section>`;
}

export function eventsSection(v: RunView): string {
  const body =
    v.events.length === 0
      ? '<p class="muted">No events logged yet.</p>'
      : `<table class="events">${v.events.map((e) => `<tr class="level-${e.level}"><td class="muted">${html(e.time.slice(11, 19))}</td><td>${html(e.level)}</td><td>${html(e.message)}</td></tr>`).join('')}</table>`;
  return `<section id="events"><h2>Events</h2>${body}</section>`;
}

/** `{a: {b: 1}}` → [['a.b', '1']]. */
function flatten(value: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(value).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, JSON.stringify(v)] as [string, string]],
  );
}

export function configSection(v: RunView): string {
  if (!v.config) return '<section id="config"><h2>Config</h2><p class="muted">No config.json.</p></section>';
  const rows = flatten(v.config.config).map(([k, val]) => row(k, `<code>${html(val)}</code>`));
  if (v.config.configHash) rows.push(row('configHash', `<code>${html(v.config.configHash)}</code>`));
  return `<section id="config"><h2>Config</h2><table class="facts">${rows.join('')}</table></section>`;
}

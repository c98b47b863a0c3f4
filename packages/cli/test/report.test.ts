// The run as a person sees it: `dgm train` ends pointing at report.html, which a real headless
// Chromium opens with every chart drawn (as many points as metrics.jsonl has steps), every
// sample grid loaded and no console error; `dgm eval` adds its scores to the report, `dgm report`
// rewrites (and opens) it, `dgm sample --scale` sizes grids, --tensorboard writes event files.
// A run still writing, a damaged metrics line and an empty directory each render and say what
// is missing.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { runDgm, startDgm } from './support/spawn-dgm.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-report-cli-'));
const run = join(root, 'run');
const tensorboard = join(root, 'tb');
let browser: TestBrowser;
let trained: Awaited<ReturnType<typeof runDgm>>;

beforeAll(async () => {
  trained = await runDgm(['train', '--steps', '5', '--workers', '2', '--batch-size', '16', '--sample-every', '2', '--tensorboard', tensorboard, '--out', run], { cwd: root });
  expect(trained.code, trained.stderr).toBe(0);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

const metricsLines = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');

/** Opens `dir`/report.html, waits for its script, and collects console errors and page errors. */
async function look(dir: string) {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${join(dir, 'report.html')}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const charts = await page.evaluate(() => {
    const all = (window as unknown as { dgmReport: { charts: Record<string, { data: unknown[][]; series: unknown[]; ctx: CanvasRenderingContext2D }> } }).dgmReport.charts;
    return Object.fromEntries(
      Object.entries(all).map(([id, u]) => {
        // Ink on the canvas: pixels neither transparent nor white (a drawn line, not an empty frame).
        const { width, height } = u.ctx.canvas;
        const px = u.ctx.getImageData(0, 0, width, height).data;
        let ink = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200)) ink++;
        return [id, { points: u.data[0].length, series: u.series.length - 1, ink }];
      }),
    );
  });
  const text = await page.evaluate(() => document.body.innerText);
  const notices = await page.$$eval('#notices li', (li) => li.map((l) => l.textContent ?? ''));
  return { page, errors, charts, text, notices };
}

describe('a finished run', () => {
  it('ends dgm train with the report, which holds the evaluation of the end of the run', () => {
    const lines = trained.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Run directory: ${run}`);
    expect(lines[1]).toBe(`Report: ${join(run, 'report.html')} (curves, sample grids, evaluation; opens offline)`);
    const evals = readFileSync(join(run, 'eval.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; family: string; elbo: number });
    expect(evals).toHaveLength(1);
    expect(evals[0]).toMatchObject({ step: 5, family: 'vae' });
    expect(lines).toContain(`Test ELBO: ${/Test ELBO: (\S+)/.exec(trained.stdout)?.[1]} nats per image (reconstruction ${/reconstruction (\S+),/.exec(trained.stdout)?.[1]}, KL ${/KL (\S+);/.exec(trained.stdout)?.[1]}; 2000 mnist test images, binarised)`);
  });

  it('opens in Chromium with every chart drawn from every step, every grid loaded, no console error', async () => {
    const steps = metricsLines(run).length;
    expect(steps).toBe(5);
    const { page, errors, charts, text, notices } = await look(run);
    expect(errors).toEqual([]);
    expect(notices).toEqual([]);
    expect(Object.keys(charts).sort()).toEqual(['loss-elbo', 'loss-kl', 'loss-recon', 'loss-vae', 'lr', 'throughput', 'time', 'workers']);
    for (const [id, c] of Object.entries(charts)) {
      expect(c.points, id).toBe(steps);
      expect(c.ink, `${id} draws nothing`).toBeGreaterThan(200);
    }
    expect(charts.workers.series).toBe(2); // one line per worker
    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ complete: i.complete, width: i.naturalWidth, alt: i.alt })));
    // samples at steps 2, 4 and 5: three thumbnails and the large view of the newest
    expect(images.map((i) => i.alt)).toEqual(['samples at step 5', 'samples at step 2', 'samples at step 4', 'samples at step 5']);
    for (const i of images) expect(i.complete && i.width >= 512, i.alt).toBe(true);
    expect(text).toContain('dgm train --steps 5 --workers 2');
    expect(text).toMatch(/test ELBO -\d+/);
    expect(text).toMatch(/finished · step 5 of 5/);
    expect(text).not.toContain('reloads every 30 s');
    const shot = join(root, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).length).toBeGreaterThan(10_000);
    if (process.env.DGM_REPORT_SCREENSHOT) copyFileSync(shot, process.env.DGM_REPORT_SCREENSHOT);
    await page.close();
  });

  it('writes every step to TensorBoard event files a stock reader parses (losses, throughput, learning rate)', () => {
    const files = readdirSync(tensorboard);
    expect(files).toHaveLength(1);
    const fixtures = fileURLToPath(new URL('../../report/test/fixtures/', import.meta.url));
    const generated = mkdtempSync(join(root, 'pb-'));
    expect(spawnSync('protoc', [`--proto_path=${fixtures}`, `--python_out=${generated}`, join(fixtures, 'tensorboard_event.proto')]).status).toBe(0);
    const r = spawnSync('/usr/bin/python3', [join(fixtures, 'read_events.py'), join(tensorboard, files[0]), generated], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const events = JSON.parse(r.stdout) as { step: number; values: Record<string, number> }[];
    const lines = metricsLines(run).map((l) => JSON.parse(l) as { step: number; losses: Record<string, number>; samplesPerSec: number; lr: number });
    expect(events.slice(1).map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    for (const [i, l] of lines.entries()) {
      const v = events[i + 1].values;
      for (const name of ['vae', 'recon', 'kl', 'elbo']) expect(v[`loss/${name}`]).toBe(Math.fround(l.losses[name]));
      expect(v['throughput/images_per_sec']).toBe(Math.fround(l.samplesPerSec));
      expect(v.learning_rate).toBe(Math.fround(1e-3));
    }
  });

  it('dgm eval adds its scores to eval.jsonl and the report; dgm report rewrites and opens it', async () => {
    const evaluated = await runDgm(['eval', run, '--json'], { cwd: root });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.events[0]).toMatchObject({ family: 'vae', step: 5, report: join(run, 'report.html') });
    expect(readFileSync(join(run, 'eval.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(run, 'report.html'), 'utf8').match(/test ELBO <strong>/g)).toHaveLength(2);

    // --open starts $BROWSER on the page (here a script that notes what it was given).
    const opened = join(root, 'opened.txt');
    const fakeBrowser = join(root, 'browser.sh');
    writeFileSync(fakeBrowser, `#!/bin/sh\necho "$1" > ${opened}\n`);
    chmodSync(fakeBrowser, 0o755);
    rmSync(join(run, 'report.html'));
    const reported = await runDgm(['report', run, '--open', '--json'], { cwd: root, env: { BROWSER: fakeBrowser } });
    expect(reported.code, reported.stderr).toBe(0);
    expect(reported.events[0]).toMatchObject({ report: join(run, 'report.html'), steps: 5, grids: 3, evaluations: 2, notices: [], opened: true });
    expect(existsSync(join(run, 'report.html'))).toBe(true);
    await expect.poll(() => (existsSync(opened) ? readFileSync(opened, 'utf8').trim() : null)).toBe(join(run, 'report.html'));

    const missing = await runDgm(['report', join(root, 'nowhere')], { cwd: root });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`error: ${join(root, 'nowhere')} is not a directory; dgm report takes a run directory (runs/<name>).`);
  });

  it('dgm sample --scale draws each pixel as a block; a bad scale is one sentence', async () => {
    const r = await runDgm(['sample', run, '--count', '4', '--scale', '2', '--out', 'scaled.png'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const png = decode(readFileSync(join(root, 'scaled.png')));
    expect([png.width, png.height]).toEqual([2 * 56 + 3 * 2, 2 * 56 + 3 * 2]);
    const readable = await runDgm(['sample', run, '--count', '4', '--out', 'readable.png'], { cwd: root });
    expect(readable.code, readable.stderr).toBe(0);
    expect(decode(readFileSync(join(root, 'readable.png'))).width).toBe(2 * 28 * 10 + 3 * 2); // smallest scale reaching 512 px
    const bad = await runDgm(['sample', run, '--scale', '0'], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("error: --scale must be a whole number from 1 to 64, got '0'.");
  });
});

it('refuses --tensorboard naming a file, in one sentence, writing nothing', async () => {
  const file = join(root, 'not-a-dir');
  writeFileSync(file, '');
  const r = await runDgm(['train', '--steps', '1', '--tensorboard', file, '--out', join(root, 'refused')], { cwd: root });
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe(`error: --tensorboard names the file ${file}; give a directory for the TensorBoard event files.`);
  expect(existsSync(join(root, 'refused'))).toBe(false);
});

it('ends a run stopped by Ctrl-C with a report that says where and why it stopped', async () => {
  const out = join(root, 'stopped');
  const p = startDgm(['train', '--steps', '100000', '--workers', '1', '--batch-size', '16', '--json', '--out', out], { cwd: root, ownProcessGroup: true });
  await p.waitFor((e) => e.event === 'step' && (e.step as number) >= 2);
  process.kill(-(p.child.pid as number), 'SIGINT');
  expect(await p.exited, p.stderr).toBe(130);
  const result = p.events.find((e) => e.event === 'result') as { status: string; step: number; report: string };
  expect(result).toMatchObject({ status: 'interrupted', report: join(out, 'report.html') });
  const page = readFileSync(result.report, 'utf8');
  expect(page).toContain(`<strong>stopped</strong>: stopped after ${result.step} steps (interrupted by the user)`);
  expect(page).not.toContain('reloads every 30 s');
});

describe('a run the report cannot fully read', () => {
  /** A copy of the finished run with `edit` applied, reported by `dgm report`. */
  async function reported(name: string, edit: (dir: string) => void) {
    const dir = join(root, name);
    mkdirSync(dir);
    edit(dir);
    const r = await runDgm(['report', dir], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    return look(dir);
  }

  it('renders a run still writing: the steps so far, the half-written line and the missing grids named', async () => {
    const { errors, charts, notices, text, page } = await reported('live', (dir) => {
      cpSync(join(run, 'config.json'), join(dir, 'config.json'));
      mkdirSync(join(dir, 'logs'));
      // The coordinator's log up to the first steps: no last word yet.
      const log = readFileSync(join(run, 'logs/coordinator.log'), 'utf8').split('\n').filter((l) => !l.includes('run finished'));
      writeFileSync(join(dir, 'logs/coordinator.log'), `${log.join('\n')}\n`);
      const lines = metricsLines(run);
      writeFileSync(join(dir, 'metrics.jsonl'), `${lines.slice(0, 3).join('\n')}\n${lines[3].slice(0, 40)}`);
    });
    expect(errors).toEqual([]);
    expect(charts['loss-vae'].points).toBe(3);
    expect(notices).toEqual([
      'The last line of metrics.jsonl is still being written (or was cut short); it is not shown.',
      'samples/ is missing: no sample grid yet.',
    ]);
    expect(text).toMatch(/running \(or stopped without a last word\) · step 3 of 5/);
    expect(text).toContain('reloads every 30 s while the run goes');
    await page.close();
  });

  it('renders a run with a damaged metrics line, naming the line and charting the others', async () => {
    const { errors, charts, notices, page } = await reported('damaged', (dir) => {
      cpSync(run, dir, { recursive: true });
      const lines = metricsLines(run);
      lines[2] = '{"step":3,"losses":{"vae":4';
      writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
    });
    expect(errors).toEqual([]);
    expect(charts['loss-vae'].points).toBe(4);
    expect(notices).toEqual(['metrics.jsonl line 3 is damaged (not a JSON record of the expected shape) and skipped.']);
    expect(await page.$$eval('img', (imgs) => imgs.every((i) => i.naturalWidth > 0))).toBe(true);
    await page.close();
  });

  it('renders an empty directory as a page that says what is missing', async () => {
    const { errors, charts, notices, text, page } = await reported('empty', () => {});
    expect(errors).toEqual([]);
    expect(charts).toEqual({});
    expect(notices).toEqual([
      'config.json is missing: the run has not started, or this is not a dgm run directory.',
      'metrics.jsonl is missing: no step has finished yet.',
      'samples/ is missing: no sample grid yet.',
      'logs/coordinator.log is missing: how the run was launched is unknown.',
    ]);
    expect(text).toContain('No step yet');
    expect(text).toContain('No sample grid yet');
    await page.close();
  });
});

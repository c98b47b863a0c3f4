// The example page in a real headless Chromium (Debian's chromium, driven by playwright-core):
// a checkpoint trained first by the built CLI is served over HTTP with the page; the page must
// draw its samples, train a VAE whose loss falls on wasm (and on WebGL when the browser has it),
// and log no console error. It saves screenshots (DGM_BROWSER_SCREENSHOTS=<folder> keeps them).
// A second load draws a real conditional checkpoint (`dgm train --conditional`), a two-input
// (latent, class) generator: one row per class, in class order, checked against the same
// generator run in Node. The README's snippet for loading such a checkpoint is run against it too.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../build.mjs';
import { startServer } from '../serve.mjs';
import type { PageResult } from '../src/page-result.js';
import { LATENT_SEED } from '../src/checkpoint-grid.js';
import { conditionalSnippet, referenceRows } from './conditional-reference.js';

const exampleRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DGM = path.resolve(exampleRoot, '../../packages/cli/bin/dgm.js');
const CHROMIUM = '/usr/bin/chromium';
// COMMON flags for this machine's headless Chromium; SwiftShader gives WebGL without a GPU.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];

const STEPS = 16;
const COLUMNS = 8;
const SIDE = 28;
const CELL = SIDE + 2; // a sample and a 2-pixel gap

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The red channel of every pixel of the grid canvas, row-major. */
function readGrid(): { width: number; height: number; gray: number[] } {
  const canvas = document.getElementById('grid') as HTMLCanvasElement;
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  const gray: number[] = [];
  for (let i = 0; i < data.length; i += 4) gray.push(data[i]!);
  return { width: canvas.width, height: canvas.height, gray };
}

/** Opens the page, collects every console error, failed request and HTTP error; its result. */
async function openPage(browser: Browser, url: string) {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(url);
  await page.waitForFunction(() => window.dgmPage !== undefined, undefined, { timeout: 90_000 });
  const result = (await page.evaluate(() => window.dgmPage)) as PageResult;
  return { page, problems, result };
}

describe('examples/browser in headless Chromium', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'dgm-browser-page-'));

  /** Saves a screenshot of the whole page in the scratch folder, and in DGM_BROWSER_SCREENSHOTS if set. */
  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(scratch, name), fullPage: true });
    const keep = process.env['DGM_BROWSER_SCREENSHOTS'];
    if (keep) copyFileSync(path.join(scratch, name), path.join(keep, name));
  }

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;

  /** Trains a tiny mlp-gan (`extra` flags) for `steps` steps the way a user does; copies its last checkpoint to `to`. */
  async function trainCheckpoint(name: string, extra: string[], steps: number, to: string): Promise<void> {
    const run = path.join(scratch, name);
    await promisify(execFile)(
      process.execPath,
      [DGM, 'train', '--model', 'mlp-gan', ...extra, '--steps', String(steps), '--workers', '1', '--out', run, '--json'],
      { timeout: 120_000 },
    );
    const latest = readFileSync(path.join(run, 'checkpoints', 'latest'), 'utf8').trim();
    cpSync(path.join(run, 'checkpoints', latest), to, { recursive: true });
  }

  const served = path.join(scratch, 'checkpoints');
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (.ci/apt-packages lists it)`).toBe(true);
    // Two tiny GAN checkpoints, unconditional and conditional, trained while the page builds.
    const [, , page] = await Promise.all([
      trainCheckpoint('run', ['--batch-size', '16'], 4, path.join(served, 'mlp-gan')),
      // With a generator average (--ema), which the page must draw rather than the live generator;
      // 300 steps (~20 s, while the page builds), so the screenshot shows each row's digit.
      trainCheckpoint('run-conditional', ['--conditional', '--ema', '0.9', '--batch-size', '64'], 300, path.join(served, 'conditional')),
      buildPage({ outdir: path.join(scratch, 'page') }),
    ]);
    // The real page built: core's Trainer in it, its dependencies' Node branches disabled (empty modules).
    const inputs = Object.keys(page.metafile.inputs);
    expect(inputs.some((i) => i.includes('packages/core/dist/train/trainer.js'))).toBe(true);
    for (const name of ['fs', 'path', 'worker_threads']) expect(inputs).toContain(`(disabled):${name}`);
    console.log(`page JavaScript: ${(page.jsBytes / 1024).toFixed(0)} KiB, ${(page.jsGzipBytes / 1024).toFixed(0)} KiB gzip`);
    server = await startServer({ pageDir: page.outdir, checkpointDir: served });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('draws the checkpoint samples and trains a VAE whose loss falls, with no console error', async () => {
    const { page, problems, result } = await openPage(browser!, `${server!.url}?checkpoint=checkpoint/mlp-gan/&steps=${STEPS}`);
    await screenshot(page, 'page.png');
    console.log(JSON.stringify({ ...result, training: result.training.map((t) => ({ ...t, losses: t.losses.map(Math.round), stepMs: t.stepMs.map(Math.round) })) }));

    expect(result.error).toBeUndefined();
    expect(result.status).toBe('done');
    expect(problems).toEqual([]);

    // (1) The grid: 4 rows of 8 samples of 28x28 plus 2-pixel gaps, not blank.
    expect(result.grid).toEqual({ family: 'gan', subModel: 'generator', inputs: 1, rows: 4, columns: 8 });
    const pixels = await page.evaluate(readGrid);
    expect([pixels.width, pixels.height]).toEqual([8 * CELL, 4 * CELL]);
    const avg = mean(pixels.gray);
    const spread = Math.sqrt(mean(pixels.gray.map((g) => (g - avg) ** 2)));
    expect(spread).toBeGreaterThan(20); // samples drawn, not one flat colour
    expect(new Set(pixels.gray).size).toBeGreaterThan(64);

    // (2) In-page training: wasm always; WebGL whenever the browser gave a context.
    const backends = result.training.map((t) => t.backend);
    expect(backends[0]).toBe('wasm');
    if (result.webglSkipped === undefined) expect(backends).toEqual(['wasm', 'webgl']);
    for (const run of result.training) {
      expect(run.losses).toHaveLength(STEPS);
      for (const loss of run.losses) expect(Number.isFinite(loss)).toBe(true);
      // The last five steps' mean loss at most 75% of the first five's.
      expect(mean(run.losses.slice(-5))).toBeLessThan(0.75 * mean(run.losses.slice(0, 5)));
    }
    await page.close();
  });

  it('draws a conditional checkpoint with one row per class, in class order, the class reaching the model', async () => {
    const checkpoint = path.join(served, 'conditional');
    const state = JSON.parse(readFileSync(path.join(checkpoint, 'state.json'), 'utf8')) as { model: { options: { conditional?: boolean; classes?: number } } };
    expect(state.model.options.conditional).toBe(true);
    const classes = state.model.options.classes!;
    expect(classes).toBe(10); // mnist's digits

    const { page, problems, result } = await openPage(browser!, `${server!.url}?checkpoint=checkpoint/conditional/&steps=0`);
    await screenshot(page, 'conditional.png');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('done');
    expect(problems).toEqual([]);
    expect(result.grid).toEqual({ family: 'gan', subModel: 'generator_ema', inputs: 2, rows: classes, columns: COLUMNS });
    expect(result.training).toEqual([]);
    const { width, height, gray } = await page.evaluate(readGrid);
    await page.close();
    expect([width, height]).toEqual([COLUMNS * CELL, classes * CELL]);

    /** The canvas's grid row k: its COLUMNS samples' pixels, gaps left out. */
    const pageRow = (k: number): number[] => {
      const pixels: number[] = [];
      for (let column = 0; column < COLUMNS; column++) {
        for (let y = 0; y < SIDE; y++) {
          const start = (k * CELL + y) * width + column * CELL;
          pixels.push(...gray.slice(start, start + SIDE));
        }
      }
      return pixels;
    };
    const meanAbsDiff = (a: number[], b: number[]) => mean(a.map((v, i) => Math.abs(v - b[i]!)));
    const rows = Array.from({ length: classes }, (_, k) => pageRow(k));
    // Samples drawn, not one flat colour.
    const all = rows.flat();
    const avg = mean(all);
    expect(Math.sqrt(mean(all.map((g) => (g - avg) ** 2)))).toBeGreaterThan(20);
    // Every column uses one latent in every row, so rows differ only if the class reaches the model.
    let closest = Infinity;
    for (let a = 0; a < classes; a++) {
      for (let b = a + 1; b < classes; b++) closest = Math.min(closest, meanAbsDiff(rows[a]!, rows[b]!));
    }
    // The same generator run in Node on the same latents, class k for every sample of row k:
    // grid row k must be class k's, to within the backends' rounding.
    const reference = await referenceRows(path.join(checkpoint, 'generator_ema', 'model.json'), classes, COLUMNS, LATENT_SEED);
    const errors = rows.map((row, k) => meanAbsDiff(row, reference[k]!));
    console.log(JSON.stringify({ classes, closestRowPair: +closest.toFixed(1), worstRowVsNode: +Math.max(...errors).toFixed(2) }));
    expect(closest).toBeGreaterThan(4);
    for (let k = 0; k < classes; k++) expect(errors[k], `grid row ${k} against class ${k} drawn in Node`).toBeLessThan(1);
  });

  it("runs the README's snippet that loads a conditional checkpoint in Node", async () => {
    const model = pathToFileURL(path.join(served, 'conditional', 'generator', 'model.json')).href;
    const code = `${conditionalSnippet(model)}\nconsole.log(JSON.stringify({ shape: images.shape, inputs: generator.inputs.map((i) => [i.name, i.dtype, i.shape]) }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { cwd: exampleRoot, timeout: 60_000 });
    const printed = JSON.parse(stdout.trim().split('\n').at(-1)!) as { shape: number[]; inputs: unknown[] };
    expect(printed).toEqual({ shape: [10, 28, 28, 1], inputs: [['g_z', 'float32', [null, 100]], ['g_class', 'int32', [null, 1]]] });
  });
});

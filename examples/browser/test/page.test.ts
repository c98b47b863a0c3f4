// The example page in a real headless Chromium (Debian's chromium, driven by playwright-core):
// a checkpoint trained first by the built CLI is served over HTTP with the page; the page must
// draw its samples, train a VAE whose loss falls on wasm (and on WebGL when the browser has it),
// and log no console error. It saves screenshots (DGM_BROWSER_SCREENSHOTS=<folder> keeps them).
// A second load draws a two-input (latent, class) generator: one row per class, in class order.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../build.mjs';
import { startServer } from '../serve.mjs';
import type { PageResult } from '../src/page-result.js';
import { STAND_IN_CLASSES, barRow, saveConditionalStandIn } from './conditional-stand-in.js';

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
const CELL = 30; // a 28-pixel sample and a 2-pixel gap

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

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (.ci/apt-packages lists it)`).toBe(true);
    // A tiny GAN checkpoint, trained the way a user trains one, while the page builds.
    const run = path.join(scratch, 'run');
    const served = path.join(scratch, 'checkpoints');
    const [, page] = await Promise.all([
      promisify(execFile)(
        process.execPath,
        [DGM, 'train', '--model', 'mlp-gan', '--steps', '4', '--workers', '1', '--batch-size', '16', '--out', run, '--json'],
        { timeout: 120_000 },
      ),
      buildPage({ outdir: path.join(scratch, 'page') }),
      saveConditionalStandIn(path.join(served, 'conditional')),
    ]);
    // The real page built: core's Trainer in it, its dependencies' Node branches disabled (empty modules).
    const inputs = Object.keys(page.metafile.inputs);
    expect(inputs.some((i) => i.includes('packages/core/dist/train/trainer.js'))).toBe(true);
    for (const name of ['fs', 'path', 'worker_threads']) expect(inputs).toContain(`(disabled):${name}`);
    const latest = readFileSync(path.join(run, 'checkpoints', 'latest'), 'utf8').trim();
    cpSync(path.join(run, 'checkpoints', latest), path.join(served, 'mlp-gan'), { recursive: true });
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
    expect(result.grid).toEqual({ family: 'gan', inputs: 1, rows: 4, columns: 8 });
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

  it('draws a two-input (latent, class) generator with one row per class, in class order', async () => {
    const { page, problems, result } = await openPage(browser!, `${server!.url}?checkpoint=checkpoint/conditional/&steps=0`);
    await screenshot(page, 'conditional.png');
    expect(result.error).toBeUndefined();
    expect(problems).toEqual([]);
    expect(result.grid).toEqual({ family: 'gan', inputs: 2, rows: STAND_IN_CLASSES, columns: 8 });
    expect(result.training).toEqual([]);
    const { width, height, gray } = await page.evaluate(readGrid);
    expect([width, height]).toEqual([8 * CELL, STAND_IN_CLASSES * CELL]);
    // In every cell of grid row k, the brightest pixel row is class k's bar.
    for (let k = 0; k < STAND_IN_CLASSES; k++) {
      for (let column = 0; column < 8; column++) {
        const rowMeans = Array.from({ length: 28 }, (_, y) =>
          mean(gray.slice((k * CELL + y) * width + column * CELL, (k * CELL + y) * width + column * CELL + 28)),
        );
        expect(rowMeans.indexOf(Math.max(...rowMeans)), `grid row ${k}, column ${column}`).toBe(barRow(k));
      }
    }
    await page.close();
  });
});

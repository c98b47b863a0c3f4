// Reading a run directory whatever state it is in, and drawing it safely: the cases a browser
// test does not single out (resumed runs, many grids, hostile text in a config or a log).
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, expect, it } from 'vitest';
import { chartData, MAX_CHART_POINTS, MAX_GRIDS, readRun, renderReport, RunReader } from '../src/index.js';
import { parseJsonLines } from '../src/jsonl.js';
import { spread } from '../src/read-run.js';

const root = mkdtempSync(join(tmpdir(), 'dgm-read-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const png = () => encode({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });

it('keeps good lines, numbers the damaged ones and leaves an unterminated last line alone', () => {
  const parsed = parseJsonLines('{"a":1}\n\nnot json\n{"b":2}\n{"c":');
  expect(parsed.values).toEqual([{ line: 1, value: { a: 1 } }, { line: 4, value: { b: 2 } }]);
  expect(parsed.damaged.map((d) => d.line)).toEqual([3]);
  expect(parsed.partialTail).toBe(true);
  expect(parseJsonLines('').values).toEqual([]);
});

it('charts the newest line of a step a resumed run repeated, in step order, and names records of the wrong shape', async () => {
  const dir = join(root, 'resumed');
  mkdirSync(dir);
  const line = (step: number, vae: number) => JSON.stringify({ step, losses: { vae } });
  writeFileSync(join(dir, 'metrics.jsonl'), [line(1, 9), line(2, 8), line(3, 7), line(2, 5), line(3, 4), '{"losses":{}}', '[1,2]', ''].join('\n'));
  const v = await readRun(dir);
  expect(v.steps.map((s) => [s.step, s.losses.vae])).toEqual([[1, 9], [2, 5], [3, 4]]);
  expect(v.notices).toContain('metrics.jsonl lines 6 and 7 are damaged (not a JSON record of the expected shape) and skipped.');
});

it(`embeds at most ${MAX_GRIDS} grids, evenly spread, always the newest; a file that is not a PNG is named`, async () => {
  expect(spread(5, 40)).toEqual([0, 1, 2, 3, 4]);
  expect(spread(100, 3)).toEqual([0, 50, 99]);
  const dir = join(root, 'grids');
  mkdirSync(join(dir, 'samples'), { recursive: true });
  for (let step = 1; step <= 100; step++) writeFileSync(join(dir, 'samples', `step-${String(step).padStart(6, '0')}.png`), png());
  writeFileSync(join(dir, 'samples', 'step-000100.png'), 'not a png');
  const v = await readRun(dir);
  expect(v.gridCount).toBe(100);
  expect(v.grids).toHaveLength(MAX_GRIDS - 1);
  expect(v.grids[0].step).toBe(1);
  expect(v.notices).toContain('samples/step-000100.png is not a readable PNG and is left out.');
});

it('shows text from the run as text: a config value or log line cannot end the page script or add markup', async () => {
  const dir = join(root, 'hostile');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const evil = '</script><script>window.pwned = 1</script><b>x</b>';
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ config: { model: 'vae', data: evil, steps: 2 }, configHash: 'h' }));
  writeFileSync(join(dir, 'logs/coordinator.log'), `${JSON.stringify({ level: 'warn', message: evil, timestamp: '2026-01-01T00:00:00Z', process: 'coordinator' })}\n`);
  writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ step: 1, losses: { [evil]: 1 } })}\n`);
  const page = renderReport(await readRun(dir));
  expect(page).not.toContain('<script>window.pwned');
  expect(page).not.toContain('<b>x</b>');
  expect(page).toContain('&lt;/script&gt;&lt;script&gt;window.pwned');
  // The page's scripts: the data, uPlot and the report's own, nothing more.
  expect(page.match(/<script[ >]/g)).toHaveLength(3);
});

it(`draws a long run at ${MAX_CHART_POINTS} evenly spread steps, first and last included`, () => {
  const steps = Array.from({ length: 25_000 }, (_, i) => ({ step: i + 1, losses: { d: i } }));
  const data = chartData(steps);
  expect(data.steps).toHaveLength(MAX_CHART_POINTS);
  expect([data.steps[0], data.steps.at(-1)]).toEqual([1, 25_000]);
  expect(data.losses.d[1]).toBe(data.steps[1] - 1);
  expect(chartData(steps.slice(0, 50)).steps).toHaveLength(50);
});

it('reads a growing metrics.jsonl incrementally: a line finished later is read then, a new file from the start', async () => {
  const dir = join(root, 'growing');
  mkdirSync(dir);
  const path = join(dir, 'metrics.jsonl');
  const line = (step: number) => JSON.stringify({ step, losses: { vae: step * 10 } });
  const reader = new RunReader(dir);
  expect((await reader.read()).notices).toContain('metrics.jsonl is missing: no step has finished yet.');
  writeFileSync(path, `${line(1)}\n${line(2)}\n${line(3).slice(0, 10)}`);
  let v = await reader.read();
  expect(v.steps.map((s) => s.step)).toEqual([1, 2]);
  expect(v.notices).toContain('The last line of metrics.jsonl is still being written (or was cut short); it is not shown.');
  appendFileSync(path, `${line(3).slice(10)}\nbroken\n${line(4)}\n`);
  v = await reader.read();
  expect(v.steps.map((s) => [s.step, s.losses.vae])).toEqual([[1, 10], [2, 20], [3, 30], [4, 40]]);
  expect(v.notices).toEqual(expect.arrayContaining(['metrics.jsonl line 4 is damaged (not a JSON record of the expected shape) and skipped.']));
  expect(v.notices.some((n) => n.includes('still being written'))).toBe(false);
  writeFileSync(path, `${line(7)}\n`); // replaced by a shorter file: read again from the start
  expect((await reader.read()).steps.map((s) => s.step)).toEqual([7]);
});

it('reads a grid once, and again when its file changed', async () => {
  const dir = join(root, 'grid-cache');
  mkdirSync(join(dir, 'samples'), { recursive: true });
  const path = join(dir, 'samples', 'step-000001.png');
  writeFileSync(path, png());
  const reader = new RunReader(dir);
  expect((await reader.read()).grids).toHaveLength(1);
  writeFileSync(path, 'replaced by something else');
  const v = await reader.read();
  expect(v.grids).toHaveLength(0);
  expect(v.notices).toContain('samples/step-000001.png is not a readable PNG and is left out.');
});

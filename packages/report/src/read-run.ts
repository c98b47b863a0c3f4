// Reading a run directory into a RunView, whatever state it is in: finished, still writing,
// damaged or empty. Nothing here throws for a missing or bad file; it says so in `notices`.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EVAL_LOG, readEvaluations } from './eval-log.js';
import { readLaunch } from './launch-log.js';
import { MetricsReader } from './metrics.js';
import type { RunView, SampleGridFile } from './run-view.js';

/** Most grids a report embeds (evenly spread over the run, the newest always): keeps the page small. */
export const MAX_GRIDS = 40;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const GRID_NAME = /^(?:final-)?step-(\d+)\.png$/;

/** The file's text, or null when it does not exist (other errors, such as permissions, too: the report says it is missing). */
async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** `count` indices spread evenly over [0, n), always with the last. */
export function spread(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1)));
}

/** Grids already read, by file name: a grid is written once (atomically), so an unchanged stat means unchanged bytes. */
type GridCache = Map<string, { mtimeMs: number; size: number; png: Uint8Array | null }>;

async function readGrid(path: string, cache: GridCache): Promise<Uint8Array | null> {
  const info = await stat(path).catch(() => null);
  if (info === null) return null;
  const known = cache.get(path);
  if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known.png;
  const bytes = await readFile(path).catch(() => null);
  const png = bytes === null || bytes.length < 8 || PNG_SIGNATURE.some((b, k) => bytes[k] !== b) ? null : new Uint8Array(bytes);
  cache.set(path, { mtimeMs: info.mtimeMs, size: info.size, png });
  return png;
}

async function readGrids(dir: string, notices: string[], cache: GridCache): Promise<{ grids: SampleGridFile[]; count: number }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    notices.push('samples/ is missing: no sample grid yet.');
    return { grids: [], count: 0 };
  }
  const found = names
    .map((file) => ({ file, match: GRID_NAME.exec(file) }))
    .filter((f): f is { file: string; match: RegExpExecArray } => f.match !== null)
    .map((f) => ({ file: f.file, step: Number(f.match[1]) }))
    .sort((a, b) => a.step - b.step || a.file.localeCompare(b.file));
  if (found.length === 0) notices.push('No sample grid yet: the first one is drawn at --sample-every steps, or at the end of the run.');
  const grids: SampleGridFile[] = [];
  for (const i of spread(found.length, MAX_GRIDS)) {
    const { file, step } = found[i];
    const png = await readGrid(join(dir, file), cache);
    if (png === null) {
      notices.push(`samples/${file} is not a readable PNG and is left out.`);
      continue;
    }
    grids.push({ step, file, png });
  }
  return { grids, count: found.length };
}

function readConfig(text: string | null, notices: string[]): RunView['config'] {
  if (text === null) {
    notices.push('config.json is missing: the run has not started, or this is not a dgm run directory.');
    return null;
  }
  try {
    const parsed = JSON.parse(text) as { config?: unknown; configHash?: unknown };
    if (parsed.config === null || typeof parsed.config !== 'object') throw new Error('no config object');
    return { config: parsed.config as Record<string, unknown>, configHash: typeof parsed.configHash === 'string' ? parsed.configHash : null };
  } catch {
    notices.push('config.json is damaged (not the JSON dgm writes): the settings cannot be shown.');
    return null;
  }
}

/**
 * Reads a run directory again and again as it grows (the coordinator's refreshes): metrics.jsonl
 * is parsed incrementally, grids already read are not read again, the rest is small.
 */
export class RunReader {
  readonly dir: string;
  private readonly metrics = new MetricsReader();
  private readonly grids: GridCache = new Map();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Everything the report shows of the run directory now. */
  async read(now: Date = new Date()): Promise<RunView> {
    const root = this.dir;
    const notices: string[] = [];
    const [configText, evalText, coordinatorLog, cliLog] = await Promise.all(
      ['config.json', EVAL_LOG, 'logs/coordinator.log', 'logs/cli.log'].map((f) => readText(join(root, f))),
    );
    const config = readConfig(configText, notices);
    await this.metrics.readFile(join(root, 'metrics.jsonl'));
    const metrics = this.metrics.result();
    notices.push(...metrics.notices);
    const grids = await readGrids(join(root, 'samples'), notices, this.grids);
    const evals = readEvaluations(evalText);
    notices.push(...evals.notices);
    const { launch, events } = readLaunch(coordinatorLog, cliLog);
    if (coordinatorLog === null) notices.push('logs/coordinator.log is missing: how the run was launched is unknown.');
    return {
      dir: root,
      name: basename(root),
      renderedAt: now.toISOString(),
      config,
      launch,
      steps: metrics.steps,
      grids: grids.grids,
      gridCount: grids.count,
      evaluations: evals.evaluations,
      events,
      notices,
    };
  }
}

/** Everything the report shows of the run directory `dir`, read once. */
export function readRun(dir: string, now: Date = new Date()): Promise<RunView> {
  return new RunReader(dir).read(now);
}

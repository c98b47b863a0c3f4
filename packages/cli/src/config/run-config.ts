// A run directory's config.json, written by the coordinator: `{ config: RunConfig, configHash }`.
// `--resume` reads it back into flag-named settings to compare with what the user asked for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readLaunchSettings } from './launch-settings.js';

export const RUN_CONFIG_FILE = 'config.json';

/** The runtime's run config, as stored (see @dgm/protocol RunConfig). */
interface StoredRunConfig {
  model: string;
  modelOptions?: Record<string, unknown>;
  trainer?: Record<string, unknown>;
  data: string;
  seed: number;
  globalBatch: number;
  steps: number;
}

/** Maps a stored run config back to the flags that produce it. */
export function settingsFromRunConfig(config: StoredRunConfig): Record<string, unknown> {
  return {
    model: config.model,
    loss: config.trainer?.loss ?? null,
    dataset: config.data,
    'batch-size': config.globalBatch,
    lr: config.trainer?.lr ?? null,
    'lr-schedule': (config.trainer?.lrSchedule as { kind?: string } | undefined)?.kind ?? 'constant',
    beta: config.modelOptions?.beta ?? null,
    normalization: config.modelOptions?.normalization ?? null,
    ema: config.modelOptions?.ema ?? null,
    refine: config.modelOptions?.refine ?? null,
    augment: config.trainer?.augment ?? null,
    conditional: config.modelOptions?.conditional ?? null,
    seed: config.seed,
    steps: config.steps,
  };
}

/**
 * Reads `<dir>/config.json` (the trajectory) and `<dir>/settings.json` (the launch settings); a
 * missing or malformed config.json is the user's mistake (wrong --resume).
 */
export function readRunSettings(dir: string): Record<string, unknown> {
  const path = join(dir, RUN_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--resume ${dir} is not a dgm run directory: ${path} is missing.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`--resume ${dir}: ${path} is not valid JSON; it may have been edited or truncated.`);
  }
  const config = (data as { config?: Partial<StoredRunConfig> } | null)?.config;
  if (
    !config ||
    typeof config.model !== 'string' ||
    typeof config.data !== 'string' ||
    typeof config.seed !== 'number' ||
    typeof config.globalBatch !== 'number' ||
    typeof config.steps !== 'number'
  ) {
    throw new UsageError(`--resume ${dir}: ${path} is not a dgm run config (it needs config.model, data, seed, globalBatch and steps).`);
  }
  return { ...readLaunchSettings(dir), ...settingsFromRunConfig(config as StoredRunConfig) };
}

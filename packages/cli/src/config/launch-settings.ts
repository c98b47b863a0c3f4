// A run directory's settings.json, written by the CLI when a run starts (and again on every
// resume): the settings of the run that are not part of its trajectory, so config.json (the
// coordinator's, hashed) does not hold them — how often it checkpoints and draws samples, its
// workers, backend, data plane, TensorBoard directory, address, how many skipped steps it tolerates, how many workers it needs, admits and may lose. `--resume` reads them back, so
// every setting a run has survives a resume unless the command line (or --config) overrides it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { coerceField, TRAIN_FIELDS, type TrainFieldName } from './fields.js';

export const LAUNCH_SETTINGS_FILE = 'settings.json';

/**
 * The settings a resume keeps from settings.json (any of them may be given again to change it).
 * `workers` and `gpus` are one choice: giving either replaces the stored one.
 */
export const LAUNCH_FIELDS: readonly TrainFieldName[] = ['workers', 'gpus', 'backend', 'checkpoint-every', 'sample-every', 'tensorboard', 'data-plane', 'wire', 'bind', 'max-skipped-steps', 'min-workers', 'max-workers', 'max-failures'];

/** What launchSettingsOf reads of a run's TrainSettings (structural: train-settings.ts imports this file). */
interface LaunchSettingsSource {
  out: string;
  workers: number;
  gpus: 'all' | number[] | null;
  backend: string;
  checkpointEvery: number;
  sampleEvery: number;
  tensorboard: string | null;
  dataPlane: string;
  wire: string | null;
  bind: string | null;
  maxSkippedSteps: number;
  minWorkers: number | null;
  maxWorkers: number | null;
  maxFailures: number;
}

/** The launch settings of `settings`, keyed by flag name (absent when off or not set). */
export function launchSettingsOf(settings: LaunchSettingsSource): Record<string, unknown> {
  const all: Record<string, unknown> = {
    ...(settings.gpus !== null ? { gpus: settings.gpus } : { workers: settings.workers }),
    backend: settings.backend,
    'checkpoint-every': settings.checkpointEvery,
    'sample-every': settings.sampleEvery,
    tensorboard: settings.tensorboard,
    'data-plane': settings.dataPlane,
    wire: settings.wire,
    bind: settings.bind,
    'max-skipped-steps': settings.maxSkippedSteps,
    'min-workers': settings.minWorkers,
    'max-workers': settings.maxWorkers,
    'max-failures': settings.maxFailures,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null && v !== undefined));
}

/** Writes `<out>/settings.json` (a temporary file renamed into place: never half a file). */
export function writeLaunchSettings(settings: LaunchSettingsSource): void {
  const path = join(settings.out, LAUNCH_SETTINGS_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ settings: launchSettingsOf(settings) }, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Reads `<dir>/settings.json` back, each value checked as a flag's would be (the file may have
 * been edited). A run from before settings.json existed has none: its launch settings are the defaults.
 */
export function readLaunchSettings(dir: string): Record<string, unknown> {
  const path = join(dir, LAUNCH_SETTINGS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  let stored: unknown;
  try {
    stored = (JSON.parse(text) as { settings?: unknown } | null)?.settings;
  } catch {
    throw new UsageError(`--resume ${dir}: ${path} is not valid JSON; it may have been edited or truncated (delete it to resume with the default settings).`);
  }
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new UsageError(`--resume ${dir}: ${path} must hold {"settings": {...}} keyed by flag name.`);
  }
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!LAUNCH_FIELDS.includes(key as TrainFieldName)) {
      throw new UsageError(`--resume ${dir}: ${path} has unknown key '${key}'; allowed keys are ${LAUNCH_FIELDS.join(', ')}.`);
    }
    values[key] = coerceField(TRAIN_FIELDS[key as TrainFieldName], value, { file: path, key });
  }
  return values;
}

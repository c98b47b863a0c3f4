// The resolved settings of one training run, merged from defaults, a stored run (--resume), a
// config file and flags — in that order, each overriding the one before — and validated as a
// whole (conflicts, settings that apply to some models only) before anything is launched or written.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { UsageError } from '../errors.js';
import { readConfigFile } from './config-file.js';
import { datasetSlug, validateDatasetSpec } from './dataset-spec.js';
import { validateEndpoint } from './endpoint.js';
import { coerceField, describeSource, isOffValue, notApplicable, TRAIN_FIELD_NAMES, TRAIN_FIELDS, type TrainFieldName, type ValueSource } from './fields.js';
import { LAUNCH_FIELDS } from './launch-settings.js';
import { checkResumeCompatible, TRAJECTORY_FIELDS } from './resume-check.js';
import { readRunSettings } from './run-config.js';
import { DATASET_PREFIXES, isVaeModel, type BackendName, type GanLossChoice, type ModelChoice } from './vocabulary.js';
import type { PlaneChoice, WireChoice } from '@dgm/plane/names';

/** Everything a run needs to know, after defaults and validation. */
export interface TrainSettings {
  model: ModelChoice;
  /** GAN loss; null for VAEs. */
  loss: GanLossChoice | null;
  dataset: string;
  /** Local CPU worker processes (train) or the number of workers to wait for (coordinator). */
  workers: number;
  /** GPU ids, 'all' (resolved at launch from nvidia-smi), or null for CPU workers. */
  gpus: 'all' | number[] | null;
  backend: BackendName;
  /** The global batch, split over the workers. */
  batchSize: number;
  steps: number | null;
  epochs: number | null;
  /** Adam learning rate; null = the trainer's default for the model and loss. */
  lr: number | null;
  /** 'cosine' anneals the learning rate to 0 over the run's steps. */
  lrSchedule: 'constant' | 'cosine';
  /** dcgan only: 'batch' (the paper's) or 'none' (the PyTorch anchor's network); null = the model's default. */
  normalization: 'batch' | 'none' | null;
  /** GANs only: decay of the generator's moving average that samples and FID use; null = none. */
  ema: number | null;
  /** dcgan only: 3x3 stride-1 layers G adds before its output (model option refine); null = none. */
  refine: number | null;
  /** DiffAugment transforms (GANs), in AUGMENT_NAMES order; null: none. */
  augment: string[] | null;
  /** KL weight of VAEs; null for GANs. */
  beta: number | null;
  /** Model option conditional: models take each sample's class (the dataset must have labels). */
  conditional: boolean;
  seed: number;
  out: string;
  /** Steps between checkpoints; 0 = only the final one. */
  checkpointEvery: number;
  /** Steps between sample grids; 0 = only the final one. */
  sampleEvery: number;
  /** Steps skipped for non-finite gradients that the run survives; one more stops it. */
  maxSkippedSteps: number;
  /** Elastic runs: the run goes on while this many workers are alive (null: all it started with). */
  minWorkers: number | null;
  /** Elastic runs: workers may join mid-run up to this many (null: the number started). */
  maxWorkers: number | null;
  /** Elastic runs: workers lost over the whole run before it stops with a checkpoint. */
  maxFailures: number;
  /** Where TensorBoard event files go (absolute); null: none. */
  tensorboard: string | null;
  resume: string | null;
  json: boolean;
  /** Where gradients are averaged: the workers' shared memory (one host), the coordinator, or auto. */
  dataPlane: PlaneChoice;
  /**
   * How gradients travel between hosts on the hierarchical plane (--wire); null: not given (fp32).
   * Kept by --resume like the data plane: it changes how the average is rounded, not the run's config.
   */
  wire: WireChoice | null;
  /** Coordinator address (coordinator command only). */
  bind: string | null;
}


/** Defaults chosen so `dgm train` with no flags finishes in minutes on a 2-core machine. */
export const TRAIN_DEFAULTS = {
  model: 'vae' as ModelChoice,
  dataset: 'mnist',
  workers: 2,
  backend: 'auto' as BackendName,
  batchSize: 64,
  epochs: 10,
  seed: 0,
  ganLoss: 'non-saturating' as GanLossChoice,
  vaeBeta: 1,
  checkpointEvery: 0,
  sampleEvery: 0,
  /** The coordinator's default (DEFAULT_MAX_SKIPPED_STEPS), here without loading it. */
  maxSkippedSteps: 10,
  /** The coordinator's default (DEFAULT_MAX_FAILURES), here without loading it. */
  maxFailures: 10,
  bind: 'tcp://0.0.0.0:5555',
};

export type SettingsCommand = 'train' | 'coordinator';

/** Keys a config file may set, per command. */
export function configKeysFor(command: SettingsCommand): TrainFieldName[] {
  const excluded: TrainFieldName[] = command === 'train' ? ['bind'] : ['gpus'];
  return (Object.keys(TRAIN_FIELDS) as TrainFieldName[]).filter((k) => !excluded.includes(k));
}

interface Layer {
  values: Partial<Record<TrainFieldName, unknown>>;
  sources: Partial<Record<TrainFieldName, ValueSource>>;
}

function coerceLayer(raw: Record<string, unknown>, sourceOf: (key: string) => ValueSource): Layer {
  const layer: Layer = { values: {}, sources: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const name = key as TrainFieldName;
    const spec = TRAIN_FIELDS[name];
    if (!spec) continue;
    const source = sourceOf(key);
    layer.values[name] = coerceField(spec, value, source);
    layer.sources[name] = source;
  }
  return layer;
}

/** Rejects two settings that exclude each other when one layer gives both. */
function rejectPairWithinLayer(layer: Layer, a: TrainFieldName, b: TrainFieldName, why: string): void {
  const sa = layer.sources[a];
  const sb = layer.sources[b];
  if (sa && sb) {
    throw new UsageError(`${describeSource(sa)} and ${describeSource(sb)} cannot be used together; ${why}.`);
  }
}

/** A timestamp for run directory names: 20261122-004512. */
export function runTimestamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`
  );
}

export interface ResolveInput {
  command: SettingsCommand;
  /** Parsed flag values keyed by flag name (strings and booleans as parseArgs gives them). */
  flags: Record<string, unknown>;
  /** Reads the stored settings (flag-named keys) of the run named by --resume; throws UsageError. */
  readRun?: (dir: string) => Record<string, unknown>;
  now?: Date;
  /** Directory relative paths (config, dataset, out, resume) are taken from; default process.cwd(). */
  cwd?: string;
  /**
   * `dgm launch`: the job's workers, all nodes together. It is the run's worker count (what the
   * batch, --min-workers and --max-workers are checked against, and what settings.json keeps),
   * in place of --workers / --gpus, which there count one node's workers.
   */
  jobWorkers?: number;
}

/**
 * Merges defaults < resumed run < --config file < flags and validates the result.
 * Throws UsageError with one sentence for any bad value or combination. Pure except for reading
 * the config file and checking that dataset paths exist.
 */
export function resolveTrainSettings(input: ResolveInput): TrainSettings {
  const { command, flags } = input;
  const cwd = input.cwd ?? process.cwd();
  const absolute = (p: string) => (isAbsolute(p) ? p : resolvePath(cwd, p));
  const allowed = configKeysFor(command);
  const flagValues: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) if (k !== 'config' && k !== 'help' && allowed.includes(k as TrainFieldName)) flagValues[k] = v;
  const flagLayer = coerceLayer(flagValues, (key) => ({ flag: key }));

  let fileLayer: Layer = { values: {}, sources: {} };
  if (typeof flags.config === 'string') {
    const file = flags.config;
    fileLayer = coerceLayer(readConfigFile(absolute(file), allowed, file), (key) => ({ file, key }));
  }
  for (const layer of [fileLayer, flagLayer]) {
    rejectPairWithinLayer(layer, 'steps', 'epochs', 'give the run length as a number of steps or of epochs');
    rejectPairWithinLayer(layer, 'workers', 'gpus', 'use --workers N for CPU workers or --gpus for one worker per GPU');
  }

  // A later layer's steps replaces an earlier layer's epochs (and vice versa): the user said which.
  const merged: Partial<Record<TrainFieldName, unknown>> = {};
  const sources: Partial<Record<TrainFieldName, ValueSource>> = {};
  const apply = (layer: Layer) => {
    for (const [k, v] of Object.entries(layer.values) as [TrainFieldName, unknown][]) {
      if (k === 'steps') delete merged.epochs;
      if (k === 'epochs') delete merged.steps;
      if (k === 'workers') delete merged.gpus;
      if (k === 'gpus') delete merged.workers;
      merged[k] = v;
      sources[k] = layer.sources[k] as ValueSource;
    }
  };
  apply(fileLayer);
  apply(flagLayer);

  // Paths are kept absolute from here on: workers may run in another directory.
  for (const key of ['out', 'resume', 'tensorboard'] as const) if (typeof merged[key] === 'string') merged[key] = absolute(merged[key] as string);
  if (typeof merged.dataset === 'string') {
    const prefix = DATASET_PREFIXES.find((p) => (merged.dataset as string).startsWith(p));
    if (prefix && (merged.dataset as string).length > prefix.length) merged.dataset = prefix + absolute((merged.dataset as string).slice(prefix.length));
  }
  // --ema 0, --refine 0, --augment none and --conditional false are spelled as absent, so they match a run without them.
  for (const key of TRAIN_FIELD_NAMES) if (isOffValue(TRAIN_FIELDS[key], merged[key])) merged[key] = null;
  const resumeDir = typeof merged.resume === 'string' ? merged.resume : null;
  if (resumeDir !== null) {
    const stored = (input.readRun ?? readRunSettings)(resumeDir);
    checkResumeCompatible(resumeDir, stored, merged, sources);
    for (const key of TRAJECTORY_FIELDS) if (stored[key] !== undefined && stored[key] !== null) merged[key] = stored[key];
    if (merged.steps === undefined && merged.epochs === undefined) {
      if (typeof stored.steps === 'number') merged.steps = stored.steps;
      else if (typeof stored.epochs === 'number') merged.epochs = stored.epochs;
    }
    // Every other setting of the run is kept too, unless this command line or --config gives it
    // (workers and gpus are one choice: giving either replaces the stored one).
    for (const key of LAUNCH_FIELDS) {
      if (merged[key] !== undefined || stored[key] === undefined || !allowed.includes(key)) continue;
      if ((key === 'workers' || key === 'gpus') && (merged.workers !== undefined || merged.gpus !== undefined)) continue;
      merged[key] = stored[key];
    }
    if (typeof merged.out === 'string' && merged.out !== resumeDir) {
      throw new UsageError(
        `${describeSource(sources.out ?? { flag: 'out' })} and --resume name different run directories; drop --out to continue ${resumeDir} in place.`,
      );
    }
    merged.out = resumeDir;
  }

  const model = (merged.model as ModelChoice | undefined) ?? TRAIN_DEFAULTS.model;
  const vae = isVaeModel(model);
  // Settings that apply to some models only (their field's appliesTo): --loss, --beta, --ema, ...
  for (const key of TRAIN_FIELD_NAMES) {
    if (merged[key] === undefined || merged[key] === null) continue;
    const sentence = notApplicable(TRAIN_FIELDS[key], model, sources[key] ?? { flag: key });
    if (sentence !== null) throw new UsageError(sentence);
  }
  if (merged.normalization === 'batch' && merged.loss === 'wgan-gp') {
    throw new UsageError(
      `${describeSource(sources.normalization ?? { flag: 'normalization' })} batch cannot train with --loss wgan-gp: its gradient penalty is per sample and BatchNorm mixes the samples of a batch; use --normalization none.`,
    );
  }

  const dataset = (merged.dataset as string | undefined) ?? TRAIN_DEFAULTS.dataset;
  validateDatasetSpec(dataset, sources.dataset ?? { flag: 'dataset' });

  const gpus = (merged.gpus as 'all' | number[] | undefined) ?? null;
  const backend = (merged.backend as BackendName | undefined) ?? (gpus ? 'tensorflow' : TRAIN_DEFAULTS.backend);
  if (gpus && backend !== 'tensorflow' && backend !== 'auto') {
    throw new UsageError(
      `${describeSource(sources.gpus ?? { flag: 'gpus' })} needs --backend tensorflow (or auto), not ${backend}: only @tensorflow/tfjs-node-gpu runs on GPUs.`,
    );
  }
  const workers = input.jobWorkers ?? (merged.workers as number | undefined) ?? TRAIN_DEFAULTS.workers;
  const batchSize = (merged['batch-size'] as number | undefined) ?? TRAIN_DEFAULTS.batchSize;
  const replicas = input.jobWorkers ?? (Array.isArray(gpus) ? gpus.length : gpus === 'all' ? 1 : workers);
  if (batchSize < replicas) {
    throw new UsageError(
      `--batch-size ${batchSize} is the global batch and cannot be split over ${replicas} workers; use a batch size of at least ${replicas}.`,
    );
  }
  const minWorkers = (merged['min-workers'] as number | undefined) ?? null;
  const maxWorkers = (merged['max-workers'] as number | undefined) ?? null;
  // With --gpus all the count is known once the GPUs are listed: the coordinator checks it then.
  if (gpus !== 'all' || input.jobWorkers !== undefined) {
    if (minWorkers !== null && minWorkers > replicas) {
      throw new UsageError(`${describeSource(sources['min-workers'] ?? { flag: 'min-workers' })} is ${minWorkers}, more than the ${replicas} workers the run starts with; allowed is 1 to ${replicas}.`);
    }
    if (maxWorkers !== null && maxWorkers < replicas) {
      throw new UsageError(`${describeSource(sources['max-workers'] ?? { flag: 'max-workers' })} is ${maxWorkers}, fewer than the ${replicas} workers the run starts with; allowed is ${replicas} or more.`);
    }
    if (maxWorkers !== null && batchSize < maxWorkers) {
      throw new UsageError(`--batch-size ${batchSize} is the global batch and cannot be split over --max-workers ${maxWorkers} workers; use a batch size of at least ${maxWorkers}.`);
    }
  }
  const steps = (merged.steps as number | undefined) ?? null;
  let epochs = (merged.epochs as number | undefined) ?? null;
  if (steps === null && epochs === null) epochs = TRAIN_DEFAULTS.epochs;

  let bind: string | null = null;
  if (command === 'coordinator') {
    bind = (merged.bind as string | undefined) ?? TRAIN_DEFAULTS.bind;
    validateEndpoint(bind, sources.bind ?? { flag: 'bind' }, 'bind');
  }

  const tensorboard = (merged.tensorboard as string | undefined) ?? null;
  if (tensorboard !== null && existsSync(tensorboard) && !statSync(tensorboard).isDirectory()) {
    throw new UsageError(`${describeSource(sources.tensorboard ?? { flag: 'tensorboard' })} names the file ${tensorboard}; give a directory for the TensorBoard event files.`);
  }

  const now = input.now ?? new Date();
  const out =
    (merged.out as string | undefined) ??
    join(cwd, 'runs', `${model}-${datasetSlug(dataset)}-${runTimestamp(now)}`);

  return {
    model,
    loss: vae ? null : ((merged.loss as GanLossChoice | undefined) ?? TRAIN_DEFAULTS.ganLoss),
    dataset,
    workers: gpus ? (Array.isArray(gpus) ? gpus.length : 0) : workers,
    gpus,
    backend,
    batchSize,
    steps,
    epochs,
    lr: (merged.lr as number | undefined) ?? null,
    normalization: (merged.normalization as 'batch' | 'none' | undefined) ?? null,
    ema: (merged.ema as number | null | undefined) ?? null,
    refine: (merged.refine as number | null | undefined) ?? null,
    augment: (merged.augment as string[] | null | undefined) ?? null,
    lrSchedule: (merged['lr-schedule'] as 'constant' | 'cosine' | undefined) ?? 'constant',
    beta: vae ? ((merged.beta as number | undefined) ?? TRAIN_DEFAULTS.vaeBeta) : null,
    conditional: merged.conditional === true,
    seed: (merged.seed as number | undefined) ?? TRAIN_DEFAULTS.seed,
    out,
    checkpointEvery: (merged['checkpoint-every'] as number | undefined) ?? TRAIN_DEFAULTS.checkpointEvery,
    sampleEvery: (merged['sample-every'] as number | undefined) ?? TRAIN_DEFAULTS.sampleEvery,
    maxSkippedSteps: (merged['max-skipped-steps'] as number | undefined) ?? TRAIN_DEFAULTS.maxSkippedSteps,
    minWorkers,
    maxWorkers,
    maxFailures: (merged['max-failures'] as number | undefined) ?? TRAIN_DEFAULTS.maxFailures,
    tensorboard,
    resume: resumeDir,
    json: (merged.json as boolean | undefined) ?? false,
    dataPlane: (merged['data-plane'] as PlaneChoice | undefined) ?? 'auto',
    wire: (merged.wire as WireChoice | undefined) ?? null,
    bind,
  };
}

/** True when a path exists and is not an empty directory (a run that must not be overwritten). */
export function isOccupied(path: string): boolean {
  if (!existsSync(path)) return false;
  return !statSync(path).isDirectory() || readdirSync(path).length > 0;
}

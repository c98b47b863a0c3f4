// Everything `dgm train` / `dgm coordinator` checks before writing a single file: the GPUs and
// their runtime, the dataset (loaded, so a bad file is caught now), the run length, and the run
// directory (free for a new run; holding a resumable checkpoint for --resume).
import type { RunConfig } from '@dgm/protocol';
import type { GpuId } from '@dgm/worker/device';
import { UsageError } from '../errors.js';
import { assertGpuRuntime } from '../gpu/gpu-runtime.js';
import { resolveGpuIds } from '../gpu/nvidia-smi.js';
import { readRunSettings } from '../config/run-config.js';
import { isOccupied, type TrainSettings } from '../config/train-settings.js';
import type { BackendName } from '../config/vocabulary.js';

/** A validated run, ready to launch. */
export interface TrainPlan {
  settings: TrainSettings;
  /** Concrete GPU ids (one local worker each), or null for CPU workers. */
  gpuIds: GpuId[] | null;
  dataset: { name: string; imageShape: [number, number, number]; trainCount: number; testCount: number };
  stepsPerEpoch: number;
  totalSteps: number;
  /** The checkpoint a --resume continues from. */
  resumeFrom: { dir: string; step: number } | null;
  /** What finding that checkpoint had to say (a damaged `latest` and the older checkpoint used instead): said on the terminal. */
  resumeNotes: string[];
  /** What every replica trains, as the coordinator hands it to workers. */
  runConfig: RunConfig;
  /** Backend of this process (the coordinator: snapshots, sample grids, the final evaluation). */
  localBackend: BackendName;
  /** What that choice resolved to here ('auto' becomes 'tensorflow' or 'wasm'); CPU workers on this host resolve alike. */
  resolvedBackend: string;
}

/**
 * The coordinator's process only loads snapshots and draws sample grids. With GPU workers it stays
 * off the GPUs (native TensorFlow here would claim the devices the workers need).
 */
export function localBackendFor(settings: TrainSettings): BackendName {
  return settings.gpus ? 'wasm' : settings.backend;
}

/**
 * The runtime's run config for validated settings on a dataset of `imageShape` images, with
 * `classes` classes (a conditional model's class count; undefined when the data has no labels).
 */
export function buildRunConfig(settings: TrainSettings, imageShape: [number, number, number], totalSteps: number, classes?: number): RunConfig {
  const modelOptions: Record<string, unknown> = { imageShape };
  if (settings.beta !== null) modelOptions.beta = settings.beta;
  // WGAN-GP's penalty is a per-sample gradient norm, which BatchNorm (it mixes the samples of a
  // batch) would make meaningless; the paper's critic has no BatchNorm either. So dcgan under
  // wgan-gp is built without normalisation instead of being refused.
  if (settings.model === 'dcgan' && settings.loss === 'wgan-gp') modelOptions.normalization = 'none';
  if (settings.normalization !== null) modelOptions.normalization = settings.normalization;
  if (settings.ema !== null) modelOptions.ema = settings.ema;
  if (settings.refine !== null) modelOptions.refine = settings.refine;
  // Absent when off, so an unconditional run's config (and its hash) is what it was before the option.
  if (settings.conditional) Object.assign(modelOptions, { conditional: true, classes });
  const trainer: Record<string, unknown> = {};
  if (settings.loss !== null) trainer.loss = settings.loss;
  if (settings.lr !== null) trainer.lr = settings.lr;
  if (settings.augment !== null) trainer.augment = settings.augment;
  if (settings.lrSchedule === 'cosine') trainer.lrSchedule = { kind: 'cosine', steps: totalSteps };
  return {
    model: settings.model,
    modelOptions,
    trainer,
    data: settings.dataset,
    seed: settings.seed,
    globalBatch: settings.batchSize,
    steps: totalSteps,
  };
}

/** Validates a run end to end without writing anything. Throws UsageError (or core's input errors). */
export async function planTrain(settings: TrainSettings, env: NodeJS.ProcessEnv, options: { localWorkers: boolean }): Promise<TrainPlan> {
  let gpuIds: GpuId[] | null = null;
  if (settings.gpus && options.localWorkers) {
    assertGpuRuntime();
    gpuIds = resolveGpuIds(settings.gpus, env);
  }

  if (settings.resume === null && isOccupied(settings.out)) {
    throw new UsageError(`--out ${settings.out} already holds files; choose another --out, or continue that run with --resume ${settings.out}.`);
  }

  const { loadDataset, latestValidCheckpoint, createModel, initBackend, Trainer } = await import('@dgm/core/node');
  // Also checks that the requested backend is installed (BackendUnavailableError otherwise).
  const localBackend = localBackendFor(settings);
  const resolvedBackend = (await initBackend(localBackend)).backend;
  const data = await loadDataset(settings.dataset);
  const { imageShape } = data;
  if (settings.conditional && data.numClasses === undefined) {
    throw new UsageError(`--conditional needs a dataset with labels, and ${settings.dataset} has none; drop --conditional or use a dataset with labels.`);
  }
  if (settings.batchSize > data.train.count) {
    throw new UsageError(`--batch-size ${settings.batchSize} is larger than the ${data.train.count} training images of ${settings.dataset}; use at most ${data.train.count}.`);
  }
  // The sampler drops an epoch's last partial window, so an epoch is a whole number of steps.
  const stepsPerEpoch = Math.floor(data.train.count / settings.batchSize);
  const totalSteps = settings.steps ?? (settings.epochs as number) * stepsPerEpoch;

  const runConfig = buildRunConfig(settings, imageShape, totalSteps, data.numClasses);
  // Building the model once here turns a dataset the model cannot take (say 64x64 images for
  // dcgan) into a sentence now, instead of a crash in every worker later.
  // The Trainer too: it refuses model/loss combinations (and bad trainer options) with a sentence.
  const model = createModel(settings.model, { seed: settings.seed, ...runConfig.modelOptions });
  try {
    new Trainer(model, { seed: settings.seed, ...runConfig.trainer }).dispose();
  } finally {
    model.dispose();
  }

  let resumeFrom: TrainPlan['resumeFrom'] = null;
  const resumeNotes: string[] = [];
  if (settings.resume !== null) {
    let found: Awaited<ReturnType<typeof latestValidCheckpoint>> = null;
    try {
      found = await latestValidCheckpoint(settings.resume, { log: (message) => resumeNotes.push(message) });
    } catch {
      found = null;
    }
    if (!found) {
      throw new UsageError(`--resume ${settings.resume} has no complete checkpoint to continue from (expected ${settings.resume}/checkpoints/latest).`);
    }
    const storedSteps = readRunSettings(settings.resume).steps;
    if (settings.lrSchedule === 'cosine' && storedSteps !== totalSteps) {
      throw new UsageError(
        `--resume ${settings.resume}: its cosine learning-rate schedule anneals over the run's ${String(storedSteps)} steps, so the run cannot change to ${totalSteps}; resume without --steps/--epochs, or start a new run.`,
      );
    }
    if (found.step >= totalSteps) {
      throw new UsageError(
        `--resume ${settings.resume} is already at step ${found.step} of ${totalSteps}; give a larger --steps or --epochs to train it further.`,
      );
    }
    resumeFrom = { dir: found.dir, step: found.step };
  }
  return {
    settings,
    gpuIds,
    dataset: { name: settings.dataset, imageShape, trainCount: data.train.count, testCount: data.test.count },
    stepsPerEpoch,
    totalSteps,
    resumeFrom,
    resumeNotes,
    runConfig,
    localBackend,
    resolvedBackend,
  };
}

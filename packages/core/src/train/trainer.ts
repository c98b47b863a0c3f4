// The Trainer: one replica's training step for any model createModel() builds.
//
// Step schedule. GANs run phase 'd' then phase 'g'; with nCritic = n > 1 (wgan-gp defaults to
// 5) phase 'd' runs at every step and phase 'g' only at steps with step % n == n - 1, so each
// critic iteration uses the fresh batch window of its own step (as the WGAN-GP paper's inner
// loop draws a fresh batch per critic iteration) and a step is always one batch of data.
// VAEs run the single phase 'vae'. After a step that ran phase 'g', a GAN built with the model
// option `ema` moves its generator average (generator-ema-update.ts).
//
// Poisoned phases. A phase whose averaged gradient holds a NaN or ±Infinity is skipped (not
// applied; Adam's moments and iteration count stay put) and the step goes on with the next
// phase: each phase is judged on its own, because D is applied before G's gradient is taken
// (G's loss goes through the updated D), so skipping the whole step when G turned out poisoned
// would need D rolled back; and a G phase after a skipped D is computed against the D the
// replicas still hold, a valid state. The EMA moves only after an applied G phase.
//
// BatchNorm. Moving statistics are non-trainable weights updated by each replica from its own
// batch in training mode (per-replica batch statistics, as PyTorch DDP without SyncBatchNorm);
// they are not part of the gradient manifests. The distributed layer syncs them through
// replica/replica-state.ts (scope 'stats'); with BatchNorm the trajectory depends on how the
// global batch is split, without it it does not.
import * as tf from '#tfjs';
import type { AugmentName } from '../augment/index.js';
import type { GanModel, GenerativeModel, VaeModel } from '../models/index.js';
import type { PhaseName } from '../noise/index.js';
import { Adam } from './adam.js';
import { TrainerInputError } from './errors.js';
import { learningRateAt, type ResolvedLrSchedule } from './lr-schedule.js';
import { discriminatorObjective, generatorObjective, type StepNoise } from './gan-phases.js';
import { updateGeneratorEma } from './generator-ema-update.js';
import { buildManifest, type LayerWeight, type ParameterManifest } from './manifest.js';
import type { PhaseObjective } from './phase-objective.js';
import { runPhase, type PhaseParts } from './phase-runner.js';
import { resolveTrainerOptions, type ResolvedTrainerOptions, type TrainerOptions } from './trainer-options.js';
import { vaeObjective } from './vae-phase.js';
import type { OptimizerState } from './optimizer-state.js';
import { hashWeights } from './weights-state.js';

/** One replica's slice of a step: images and the global indices of those samples. */
export interface Batch {
  /** [n, h, w, c] float32 in [0, 1]; the caller owns (and disposes) it. */
  images: tf.Tensor4D;
  /** Global sample indices, one per image: they key the per-sample noise. */
  indices: Int32Array;
  /** Class of each image, in [0, model.classes): required by a conditional model, ignored otherwise. */
  labels?: Int32Array;
}

export interface StepMetrics {
  step: number;
  /** This replica's batch means: 'd', 'gp', 'g' (GANs), 'vae', 'recon', 'kl', 'elbo' (VAEs), '<phase>_grad_norm' with clipNorm. */
  losses: Record<string, number>;
  sampleCount: number;
  /** Time computing and applying gradients (all phases), in ms. */
  computeMs: number;
  /** Time waiting in the reducer (all phases), in ms. */
  reduceMs: number;
  /**
   * Phases whose averaged gradient held a NaN or ±Infinity and were not applied (the same on
   * every replica: they all see the same average); [] for a step applied whole.
   */
  skipped: PhaseName[];
}

/** The resolved training settings (defaults filled in), for logs and run configs. */
export interface TrainerSettings {
  loss?: string;
  nCritic: number;
  gpWeight?: number;
  /** DiffAugment transforms applied to D's inputs (GANs; [] for none). */
  augment?: AugmentName[];
  binarize?: 'dynamic' | 'none';
  lr: number;
  lrSchedule: ResolvedLrSchedule;
  beta1: number;
  beta2: number;
  epsilon: number;
  clipNorm: number | null;
  seed: number;
}

const MAX_STEP = 2 ** 32 - 1;

/** How one call of Trainer.step runs. */
export interface StepOptions {
  /**
   * The first phase to run (default: the step's first). A step broken off after some phases
   * were applied (a worker of an elastic run died mid-step) is finished from its first phase
   * not applied: the phases before it must not be applied twice.
   */
  from?: PhaseName;
  /**
   * Called as each phase is done with (applied, or skipped for a non-finite average); for 'g',
   * after the generator average moved. What was called before a step failed is what it applied.
   */
  onPhaseDone?: (phase: PhaseName) => void;
}

/**
 * Trains a model one step at a time, with gradients averaged through a GradientReducer.
 * The Trainer owns its optimizers (dispose() frees them), not the model.
 */
export class Trainer {
  readonly manifests: Partial<Record<PhaseName, ParameterManifest>> = {};
  private readonly parts: Partial<Record<PhaseName, PhaseParts>> = {};
  private readonly resolved: ResolvedTrainerOptions;
  private readonly allWeights: LayerWeight[];
  private busy = false;
  private disposed = false;

  constructor(
    readonly model: GenerativeModel,
    options: TrainerOptions = {},
  ) {
    this.resolved = resolveTrainerOptions(model, options);
    const phaseWeights: Array<[PhaseName, LayerWeight[]]> =
      model.family === 'gan'
        ? [
            ['d', model.discriminator.trainableWeights],
            ['g', model.generator.trainableWeights],
          ]
        : [['vae', [...model.encoder.trainableWeights, ...model.decoder.trainableWeights]]];
    for (const [phase, weights] of phaseWeights) {
      const manifest = buildManifest(phase, weights);
      this.manifests[phase] = manifest;
      this.parts[phase] = {
        manifest,
        variables: weights.map((w) => w.read() as tf.Variable),
        optimizer: new Adam(this.resolved.adam, manifest.entries),
      };
    }
    this.allWeights = Object.values(model.subModels()).flatMap((m) => m.weights);
  }

  /** Critic steps per generator step (1 for VAEs). */
  get nCritic(): number {
    return this.resolved.family === 'gan' ? this.resolved.ganLoss.nCritic : 1;
  }

  /** The settings this Trainer runs with, defaults included. */
  get settings(): TrainerSettings {
    const r = this.resolved;
    const { learningRate: lr, beta1, beta2, epsilon } = r.adam;
    const shared = { nCritic: this.nCritic, lr, lrSchedule: r.lrSchedule, beta1, beta2, epsilon, clipNorm: r.clipNorm, seed: r.seed };
    return r.family === 'gan'
      ? { loss: r.ganLoss.name, gpWeight: r.ganLoss.gpWeight, augment: [...r.augment], ...shared }
      : { binarize: r.binarize, ...shared };
  }

  /** The phases step `step` runs, in order. */
  phasesAt(step: number): PhaseName[] {
    if (this.resolved.family === 'vae') return ['vae'];
    const n = this.resolved.ganLoss.nCritic;
    return step % n === n - 1 ? ['d', 'g'] : ['d'];
  }

  /**
   * Runs every phase of `step` on this replica's batch; resolves when the weights are updated.
   * `step` is the run's global step count (it keeps growing across epochs): it keys the noise
   * and the critic schedule, so a per-epoch counter would replay noise.
   */
  async step(step: number, batch: Batch, options: StepOptions = {}): Promise<StepMetrics> {
    if (this.disposed) throw new TrainerInputError('this Trainer was disposed; create a new one.');
    if (this.busy) throw new TrainerInputError('Trainer.step() was called while the previous step was still running; await each step.');
    if (!Number.isInteger(step) || step < 0 || step > MAX_STEP) {
      throw new TrainerInputError(`step must be an integer in [0, 2^32), got ${String(step)}.`);
    }
    const n = this.checkBatch(batch);
    const labels = !this.model.classes ? null : tf.tensor2d(this.checkLabels(batch, n), [n, 1], 'int32');
    this.busy = true;
    try {
      const noise: StepNoise = { seed: this.resolved.seed, step, indices: batch.indices };
      const metrics: StepMetrics = { step, losses: {}, sampleCount: n, computeMs: 0, reduceMs: 0, skipped: [] };
      const learningRate = learningRateAt(this.resolved.adam.learningRate, this.resolved.lrSchedule, step);
      const phases = this.phasesFrom(step, options.from);
      for (const phase of phases) {
        const result = await runPhase(
          this.parts[phase] as PhaseParts,
          this.objective(phase, batch, noise, labels),
          this.resolved.reducer,
          step,
          n,
          this.resolved.clipNorm,
          learningRate,
        );
        Object.assign(metrics.losses, result.losses);
        metrics.computeMs += result.computeMs;
        metrics.reduceMs += result.reduceMs;
        if (result.skipped) metrics.skipped.push(phase);
        // The average moves only with the generator: a skipped G phase leaves both as they were.
        if (phase === 'g' && !result.skipped && this.model.family === 'gan') updateGeneratorEma(this.model, step);
        options.onPhaseDone?.(phase);
      }
      if (metrics.losses.recon !== undefined && metrics.losses.kl !== undefined) {
        metrics.losses.elbo = -(metrics.losses.recon + metrics.losses.kl);
      }
      return metrics;
    } finally {
      labels?.dispose();
      this.busy = false;
    }
  }

  /** The phases of `step` from `from` on (all without it); a phase the step does not run is the caller's mistake. */
  private phasesFrom(step: number, from: PhaseName | undefined): PhaseName[] {
    const phases = this.phasesAt(step);
    if (from === undefined) return phases;
    const at = phases.indexOf(from);
    if (at < 0) throw new TrainerInputError(`step ${step} runs phase${phases.length === 1 ? '' : 's'} ${phases.join(', ')}; it cannot start from phase '${String(from)}'.`);
    return phases.slice(at);
  }

  private objective(phase: PhaseName, batch: Batch, noise: StepNoise, labels: tf.Tensor | null): PhaseObjective {
    const r = this.resolved;
    if (r.family === 'vae') return vaeObjective(this.model as VaeModel, r.binarize, batch.images, noise, labels);
    const model = this.model as GanModel;
    return phase === 'd'
      ? discriminatorObjective(model, r.ganLoss, batch.images, noise, r.augment, labels)
      : generatorObjective(model, r.ganLoss, noise, r.augment, labels);
  }

  /** A conditional model's labels: an Int32Array of n classes in [0, classes). */
  private checkLabels(batch: Batch, n: number): Int32Array {
    const classes = this.model.classes as number;
    const labels = batch.labels;
    if (!(labels instanceof Int32Array) || labels.length !== n) {
      throw new TrainerInputError(`batch.labels must be an Int32Array of ${n} classes (one per image): model ${this.model.name} is conditional.`);
    }
    for (const label of labels) {
      if (!(label >= 0 && label < classes)) {
        throw new TrainerInputError(`batch.labels must be classes in [0, ${classes}) for this conditional ${this.model.name}, got ${label}.`);
      }
    }
    return labels;
  }

  private checkBatch(batch: Batch): number {
    const images = batch?.images as tf.Tensor | undefined;
    const expected = this.model.imageShape;
    if (!images || typeof images !== 'object' || images.isDisposed !== false || images.rank !== 4 || images.dtype !== 'float32') {
      throw new TrainerInputError(`batch.images must be a live float32 tensor [n, ${expected.join(', ')}].`);
    }
    if (images.shape.slice(1).join('x') !== expected.join('x')) {
      throw new TrainerInputError(
        `batch.images must have shape [n, ${expected.join(', ')}] for model ${this.model.name}, got [${images.shape.join(', ')}].`,
      );
    }
    const n = images.shape[0];
    if (!(batch.indices instanceof Int32Array) || batch.indices.length !== n || n < 1) {
      throw new TrainerInputError(`batch.indices must be an Int32Array of ${n} global sample indices (one per image, at least one).`);
    }
    return n;
  }

  /** A copy of every phase's optimizer state; the caller owns (and disposes) the tensors. */
  async getOptimizerState(): Promise<OptimizerState> {
    const state: OptimizerState = {};
    for (const [phase, parts] of Object.entries(this.parts)) state[phase] = (parts as PhaseParts).optimizer.getState();
    return state;
  }

  /** Restores every phase's optimizer state (from getOptimizerState, possibly of another process). Copies the tensors. */
  async setOptimizerState(state: OptimizerState): Promise<void> {
    const phases = Object.keys(this.parts);
    if (state === null || typeof state !== 'object' || Object.keys(state).sort().join() !== [...phases].sort().join()) {
      throw new TrainerInputError(`optimizer state must have exactly the phases ${phases.join(', ')}, got ${state && typeof state === 'object' ? Object.keys(state).join(', ') || 'none' : String(state)}.`);
    }
    for (const phase of phases) {
      await (this.parts[phase as PhaseName] as PhaseParts).optimizer.setState(state[phase], `phase '${phase}'`);
    }
  }

  /** FNV-1a-64 (hex) of every weight of every sub-model, bit-exact: replicas in sync have equal hashes. */
  weightsHash(): string {
    return hashWeights(this.allWeights);
  }

  /** Frees the optimizers' state. The model stays usable (and is the caller's to dispose). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const parts of Object.values(this.parts)) (parts as PhaseParts).optimizer.dispose();
  }
}

// The flags shared by `dgm train` and `dgm coordinator`, with their help lines.
import type { OptionSpec } from '../args/command-spec.js';
import { DATASET_FORMS, GAN_LOSS_NAMES, MODEL_NAMES } from '../config/vocabulary.js';
import { TRAIN_DEFAULTS } from '../config/train-settings.js';

export const MODEL_OPTION: OptionSpec = { name: 'model', type: 'string', value: 'name', description: `Model: ${MODEL_NAMES.join(', ')} (default ${TRAIN_DEFAULTS.model}).` };

/** Flags of the training run itself (not of where workers come from). */
export const RUN_OPTIONS: OptionSpec[] = [
  MODEL_OPTION,
  { name: 'loss', type: 'string', value: 'name', description: `GAN loss: ${GAN_LOSS_NAMES.join(', ')} (default ${TRAIN_DEFAULTS.ganLoss}; GANs only).` },
  { name: 'dataset', type: 'string', value: 'spec', description: `Training data: ${DATASET_FORMS} (default ${TRAIN_DEFAULTS.dataset}).` },
  { name: 'backend', type: 'string', value: 'name', description: 'Worker backend: auto, tensorflow, wasm, cpu (default auto: tensorflow if installed, else wasm).' },
  { name: 'batch-size', type: 'string', value: 'n', description: `GLOBAL batch size, split over the workers (default ${TRAIN_DEFAULTS.batchSize}).` },
  { name: 'steps', type: 'string', value: 'n', description: 'Train this many steps (exclusive with --epochs).' },
  { name: 'epochs', type: 'string', value: 'n', description: `Train this many epochs (default ${TRAIN_DEFAULTS.epochs} when --steps is not given).` },
  { name: 'lr', type: 'string', value: 'rate', description: 'Adam learning rate (default 1e-3 for VAEs, 2e-4 for GANs, 1e-4 for wgan-gp).' },
  { name: 'lr-schedule', type: 'string', value: 'kind', description: "'constant' (default) or 'cosine': anneal the learning rate to 0 over the run's steps." },
  { name: 'normalization', type: 'string', value: 'kind', description: "dcgan only: 'batch' (default, the paper's network) or 'none' (the PyTorch anchor's network, whose trajectory does not depend on the worker count)." },
  { name: 'refine', type: 'string', value: 'n', description: "dcgan only: add n (0 to 4) 3x3 stride-1 layers to the generator before its output (default 0: the PyTorch anchor's generator). On the bundled mnist 1 reaches a given FID in about half the epochs (BENCHMARKS.md)." },
  { name: 'ema', type: 'string', value: 'decay', description: "GANs only: keep a moving average of the generator's weights (e.g. 0.999) and draw samples and FID from it (default: none)." },
  { name: 'augment', type: 'string', value: 'list', description: "GANs only: DiffAugment the discriminator's inputs, real and generated: translation, cutout, or both as translation,cutout (default none). For datasets small enough for D to memorise; on the bundled mnist it slows the DCGAN (BENCHMARKS.md)." },
  { name: 'conditional', type: 'boolean', description: "Class-conditional model: G (or the decoder) and D (or the encoder) take each image's class; needs a dataset with labels. Samples are then drawn per class (dgm sample --class)." },
  { name: 'beta', type: 'string', value: 'x', description: `KL weight of VAEs (default ${TRAIN_DEFAULTS.vaeBeta}; VAEs only).` },
  { name: 'seed', type: 'string', value: 'n', description: `Seed of data order, noise and initial weights (default ${TRAIN_DEFAULTS.seed}).` },
  { name: 'out', type: 'string', value: 'dir', description: 'Run directory (default runs/<model>-<dataset>-<timestamp>); must not hold a run.' },
  { name: 'checkpoint-every', type: 'string', value: 'n', description: 'Steps between checkpoints (default 0: only the final one).' },
  { name: 'sample-every', type: 'string', value: 'n', description: 'Steps between sample grids (default 0: only the final one).' },
  { name: 'max-skipped-steps', type: 'string', value: 'n', description: `Steps the run may skip because a gradient was NaN or infinite (each skip is a warning naming the worker) before it stops with a checkpoint (default ${TRAIN_DEFAULTS.maxSkippedSteps}; 0: stop at the first).` },
  { name: 'min-workers', type: 'string', value: 'n', description: 'Elastic run: go on while at least n workers are alive; a worker that dies is dropped and its step redone by the others, with the same result (default: all the run starts with, i.e. a lost worker stops the run).' },
  { name: 'max-workers', type: 'string', value: 'n', description: 'Elastic run: admit workers that join mid-run (dgm worker --connect) up to n, at the next step (default: the number started).' },
  { name: 'max-failures', type: 'string', value: 'n', description: `Elastic run: workers lost over the whole run before it stops with a checkpoint (default ${TRAIN_DEFAULTS.maxFailures}).` },
  { name: 'tensorboard', type: 'string', value: 'dir', description: 'Also write the losses, images/s, step times and learning rate as TensorBoard event files in dir (tensorboard --logdir dir).' },
  { name: 'resume', type: 'string', value: 'run dir', description: 'Continue a stopped run from its latest checkpoint with all its settings; those given again replace the stored ones, except the trajectory (model, data, batch, lr, seed, ...); --steps/--epochs may extend it.' },
  { name: 'data-plane', type: 'string', value: 'kind', description: "Where gradients are averaged: 'shared' (workers on this host, through /dev/shm), 'star' (through the coordinator), 'hierarchical' (workers on several hosts: shared memory plus rings between hosts), 'auto' (default: a lone worker averages alone, shared on one host, hierarchical across hosts)." },
  { name: 'config', type: 'string', value: 'file', description: 'YAML or JSON file of these settings, keyed by flag name; flags override it.' },
  { name: 'json', type: 'boolean', description: 'Print machine-readable JSON lines on stdout, nothing else.' },
];

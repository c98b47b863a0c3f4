// The models the training benches drive (trainer-throughput.ts's TrainerBench), with the options
// that match the PyTorch anchors. Types only from @dgm/core: this module loads nothing, so run.ts
// can check --model before TensorFlow.js loads.
import type { ModelName, TrainerOptions } from '@dgm/core';

/** The models this harness knows how to drive, with the options that match the anchors. */
export const BENCH_MODELS: Record<string, { model: ModelName; options: Record<string, unknown>; trainer: TrainerOptions; note: string }> = {
  // normalization 'none' is the anchor's exact network (no BatchNorm); the default loss
  // 'non-saturating' is the anchor's BCE-with-logits against ones for G; Adam(2e-4, 0.5, 0.999).
  dcgan: {
    model: 'dcgan',
    options: { normalization: 'none' },
    trainer: { loss: 'non-saturating', lr: 2e-4, beta1: 0.5, beta2: 0.999 },
    note: 'G: dense 100->7*7*128, convT 64 k4 s2, ReLU, convT 1 k4 s2 tanh; D: conv 64 k4 s2, LeakyReLU .2, conv 128 k4 s2, LeakyReLU .2, dense 1',
  },
  // The network of BENCHMARKS.md's sample-quality record run (quality.ts dcgan --refine 1 --lr
  // 1.6e-3 --ema 0.999): BatchNorm, one refinement layer, the generator average.
  'dcgan-record': {
    model: 'dcgan',
    options: { refine: 1, ema: 0.999 },
    trainer: { loss: 'non-saturating', lr: 1.6e-3 },
    note: "the sample-quality record run's dcgan: BatchNorm, refine 1, ema 0.999, Adam(1.6e-3)",
  },
  'mlp-gan': {
    model: 'mlp-gan',
    options: {},
    trainer: { loss: 'non-saturating', lr: 2e-4, beta1: 0.5, beta2: 0.999 },
    note: 'G: 100-256-784 (LeakyReLU .2, tanh); D: 784-256-1',
  },
  vae: {
    model: 'vae',
    options: {},
    trainer: { binarize: 'dynamic' },
    note: '784-400-20 encoder, 20-400-784 decoder, Bernoulli likelihood, Adam(1e-3)',
  },
};

// What the page reports when it is done (window.dgmPage), read by the test and shown on screen.

/** The checkpoint's samples drawn on the grid canvas. */
export interface GridResult {
  /** 'gan' (generator, tanh output) or 'vae' (decoder, Bernoulli logits), from state.json. */
  family: string;
  /** The sub-model drawn: 'generator_ema' when the checkpoint has one, else 'generator' or 'decoder'. */
  subModel: string;
  /** The model's inputs: 1 (latent) or 2 (latent and class: one row per class). */
  inputs: number;
  rows: number;
  columns: number;
}

/** One in-page training run on one backend. */
export interface TrainingResult {
  backend: string;
  /** The VAE loss (recon + KL, nats per image) of every step, in order. */
  losses: number[];
  /** Wall time of every step, in ms (the first includes compiling the backend's kernels). */
  stepMs: number[];
}

export interface PageResult {
  status: 'done' | 'failed';
  error?: string;
  grid?: GridResult;
  training: TrainingResult[];
  /** Why WebGL did not run, when it did not (e.g. the browser has no WebGL context). */
  webglSkipped?: string;
}

declare global {
  interface Window {
    dgmPage?: PageResult;
  }
}

import { tf } from '@dgm/core';
import { createModel, Trainer } from '@dgm/core';
import type { GenerativeModel } from '@dgm/core';
import { BENCH_MODELS } from './bench-models.js';

export interface ThroughputSample {
  steps: number;
  batch: number;
  seconds: number;
  /** Process CPU time over the same steps (user + system): less sensitive to a shared machine. */
  cpuSeconds: number;
  imagesPerSec: number;
}

/**
 * A warmed-up Trainer on random images in [0, 1] (the anchor trains on uniform noise too): each
 * measure() call times `steps` full Trainer steps (for GANs one D phase and one G phase).
 */
export class TrainerBench {
  private readonly model: GenerativeModel;
  private readonly trainer: Trainer;
  private readonly images: tf.Tensor4D;
  private readonly indices: Int32Array;
  /** A conditional model's labels (sample i: class i mod classes); undefined otherwise. */
  private readonly labels: Int32Array | undefined;
  private nextStep = 0;

  /** `extraOptions` are added to the model's (e.g. { conditional: true } for the cost of conditioning). */
  constructor(
    name: string,
    readonly batch: number,
    extraOptions: Record<string, unknown> = {},
  ) {
    const spec = BENCH_MODELS[name];
    if (spec === undefined) throw new Error(`unknown benchmark model '${name}'; choose one of ${Object.keys(BENCH_MODELS).join(', ')}.`);
    this.model = createModel(spec.model, { ...spec.options, ...extraOptions });
    this.trainer = new Trainer(this.model, spec.trainer);
    this.images = tf.randomUniform([batch, ...this.model.imageShape], 0, 1, 'float32', 1) as tf.Tensor4D;
    this.indices = Int32Array.from({ length: batch }, (_, i) => i);
    const classes = this.model.classes;
    this.labels = classes ? Int32Array.from({ length: batch }, (_, i) => i % classes) : undefined;
  }

  private batchOf() {
    return { images: this.images, indices: this.indices, ...(this.labels === undefined ? {} : { labels: this.labels }) };
  }

  async warmUp(steps: number): Promise<void> {
    for (let i = 0; i < steps; i++) await this.trainer.step(this.nextStep++, this.batchOf());
  }

  async measure(steps: number): Promise<ThroughputSample> {
    const tensorsBefore = tf.memory().numTensors;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await this.trainer.step(this.nextStep++, this.batchOf());
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) throw new Error(`the Trainer leaked ${leaked} tensors over ${steps} steps; figures would be meaningless.`);
    return { steps, batch: this.batch, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, imagesPerSec: (steps * this.batch) / seconds };
  }

  dispose(): void {
    this.trainer.dispose();
    this.model.dispose();
    this.images.dispose();
  }
}

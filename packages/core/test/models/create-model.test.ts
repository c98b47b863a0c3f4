import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createModel,
  MODEL_NAMES,
  ModelOptionError,
  type GanModel,
  type GenerativeModel,
  type VaeModel,
} from '../../src/models/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function paramCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b as number), 1), 0);
}

function allValues(model: GenerativeModel): Float32Array[] {
  return Object.values(model.subModels()).flatMap((m) => m.getWeights().map((w) => w.dataSync() as Float32Array));
}

describe('createModel', () => {
  it('lists the four models', () => {
    expect([...MODEL_NAMES]).toEqual(['mlp-gan', 'dcgan', 'vae', 'conv-vae']);
  });

  it('builds the GANs with the documented input and output shapes', () => {
    for (const [name, options] of [
      ['mlp-gan', {}],
      ['dcgan', { width: 8 }],
      ['dcgan', { width: 8, imageShape: [32, 32, 3] }],
      ['dcgan', { width: 8, refine: 2 }],
      ['dcgan', { width: 8, refine: 1, normalization: 'none', imageShape: [32, 32, 3] }],
    ] as const) {
      const model = createModel(name, options) as GanModel;
      expect(model.family).toBe('gan');
      const out = tf.tidy(() => {
        const img = model.generator.predict(tf.zeros([2, model.latentDim])) as tf.Tensor;
        const logits = model.discriminator.predict(img) as tf.Tensor;
        const range = [img.min().dataSync()[0], img.max().dataSync()[0]];
        return { img: img.shape, logits: logits.shape, range };
      });
      expect(out.img).toEqual([2, ...model.imageShape]);
      expect(out.logits).toEqual([2, 1]);
      expect(out.range[0]).toBeGreaterThanOrEqual(-1);
      expect(out.range[1]).toBeLessThanOrEqual(1);
      model.dispose();
    }
  });

  it('builds the VAEs: encoder -> [mean, logVar], decoder -> image-shaped output', () => {
    for (const [name, options] of [
      ['vae', {}],
      ['conv-vae', { width: 4, imageShape: [32, 32, 3], likelihood: 'gaussian', latentDim: 5 }],
    ] as const) {
      const model = createModel(name, options) as VaeModel;
      expect(model.family).toBe('vae');
      const shapes = tf.tidy(() => {
        const [mean, logVar] = model.encoder.predict(tf.ones([3, ...model.imageShape])) as tf.Tensor[];
        const out = model.decoder.predict(mean) as tf.Tensor;
        return [mean.shape, logVar.shape, out.shape];
      });
      expect(shapes).toEqual([[3, model.latentDim], [3, model.latentDim], [3, ...model.imageShape]]);
      model.dispose();
    }
  });

  it('dcgan with normalization none has exactly the PyTorch anchor parameter counts', () => {
    // ddp_dcgan.py: G = Linear(100, 6272) + ConvT(128, 64, 4) + ConvT(64, 1, 4);
    // D = Conv(1, 64, 4) + Conv(64, 128, 4) + Linear(6272, 1).
    const model = createModel('dcgan', { normalization: 'none' }) as GanModel;
    expect(paramCount(model.generator)).toBe(100 * 6272 + 6272 + 128 * 64 * 16 + 64 + 64 * 16 + 1);
    expect(paramCount(model.discriminator)).toBe(16 * 64 + 64 + 64 * 128 * 16 + 128 + 6272 + 1);
    expect(model.generator.nonTrainableWeights).toHaveLength(0);
    model.dispose();
  });

  it('dcgan defaults to BatchNorm in G (after dense and first convT) and in D (after conv 2)', () => {
    const model = createModel('dcgan', { width: 4 }) as GanModel;
    expect(model.options.normalization).toBe('batch');
    const bnNames = (m: tf.LayersModel) => m.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.name);
    expect(bnNames(model.generator)).toEqual(['g_project_bn', 'g_up1_bn']);
    expect(bnNames(model.discriminator)).toEqual(['d_conv2_bn']);
    expect(model.discriminator.nonTrainableWeights.map((w) => w.originalName)).toEqual([
      'd_conv2_bn/moving_mean',
      'd_conv2_bn/moving_variance',
    ]);
    model.dispose();
  });

  it('dcgan option refine adds 3x3 stride-1 layers of width filters at the last hidden resolution of G only', () => {
    const w = 4;
    const base = createModel('dcgan', { width: w }) as GanModel;
    const refined = createModel('dcgan', { width: w, refine: 2 }) as GanModel;
    const plain = createModel('dcgan', { width: w, refine: 1, normalization: 'none' }) as GanModel;
    expect(refined.options.refine).toBe(2);
    expect(base.options.refine).toBe(0);
    // each layer: a 3x3 kernel w -> w (no bias before BatchNorm) + BatchNorm's gamma and beta
    expect(paramCount(refined.generator) - paramCount(base.generator)).toBe(2 * (9 * w * w + 2 * w));
    const anchor = createModel('dcgan', { width: w, normalization: 'none' }) as GanModel;
    expect(paramCount(plain.generator) - paramCount(anchor.generator)).toBe(9 * w * w + w);
    expect(paramCount(refined.discriminator)).toBe(paramCount(base.discriminator));
    const names = refined.generator.layers.map((l) => l.name);
    expect(names.slice(names.indexOf('g_relu1'))).toEqual([
      'g_relu1', 'g_refine', 'g_refine_bn', 'g_refine_relu', 'g_refine2', 'g_refine2_bn', 'g_refine2_relu', 'g_out',
    ]);
    const refine = refined.generator.getLayer('g_refine');
    expect(refine.outputShape).toEqual([null, 14, 14, w]);
    expect(refine.getWeights()[0].shape).toEqual([3, 3, w, w]);
    // refine 0 is the default network, bit for bit (the layers' seeds come from their names)
    const zero = createModel('dcgan', { width: w, refine: 0 }) as GanModel;
    const [a, b] = [allValues(base), allValues(zero)];
    expect(b.length).toBe(a.length);
    a.forEach((x, k) => expect(Buffer.from(b[k].buffer).equals(Buffer.from(x.buffer))).toBe(true));
    [base, refined, plain, anchor, zero].forEach((m) => m.dispose());
  });

  it('mlp-gan and vae follow their hidden sizes', () => {
    const gan = createModel('mlp-gan', { hidden: [32, 64], latentDim: 10 }) as GanModel;
    expect(gan.generator.trainableWeights.map((w) => w.shape)).toEqual([[10, 32], [32], [32, 64], [64], [64, 784], [784]]);
    expect(gan.discriminator.trainableWeights.map((w) => w.shape)).toEqual([[784, 64], [64], [64, 32], [32], [32, 1], [1]]);
    gan.dispose();
    const vae = createModel('vae') as VaeModel;
    expect(vae.encoder.trainableWeights.map((w) => w.shape)).toEqual([[784, 400], [400], [400, 20], [20], [400, 20], [20]]);
    expect(vae.decoder.trainableWeights.map((w) => w.shape)).toEqual([[20, 400], [400], [400, 784], [784]]);
    expect([vae.beta, vae.likelihood]).toEqual([1, 'bernoulli']);
    vae.dispose();
  });

  it('is deterministic: the same seed builds bit-identical weights, another seed does not', () => {
    for (const name of MODEL_NAMES) {
      const options = { seed: 3, width: 4, hidden: [16] } as Record<string, unknown>;
      if (name === 'mlp-gan' || name === 'vae') delete options.width;
      else delete options.hidden;
      const a = createModel(name, options);
      createModel('vae').dispose(); // moves tfjs' global name counters between the two builds
      const b = createModel(name, options);
      const c = createModel(name, { ...options, seed: 4 });
      const [va, vb, vc] = [allValues(a), allValues(b), allValues(c)];
      expect(va.length).toBe(vb.length);
      va.forEach((w, k) => expect(Buffer.from(w.buffer).equals(Buffer.from(vb[k].buffer))).toBe(true));
      const kernelsDiffer = va.some((w, k) => w.length > 1 && !Buffer.from(w.buffer).equals(Buffer.from(vc[k].buffer)));
      expect(kernelsDiffer).toBe(true);
      [a, b, c].forEach((m) => m.dispose());
    }
  });

  it('sub-models round-trip through stock tf.loadLayersModel', async () => {
    const model = createModel('conv-vae', { width: 4 }) as VaeModel;
    for (const sub of Object.values(model.subModels())) {
      let artifacts: tf.io.ModelArtifacts | undefined;
      await sub.save(tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      const input = tf.randomUniform([2, ...(sub.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 1);
      const [p, q] = [sub.predict(input), loaded.predict(input)].map((o) => (Array.isArray(o) ? o : [o]));
      expect(q.length).toBe(p.length);
      p.forEach((t, k) => expect(Array.from(q[k].dataSync())).toEqual(Array.from(t.dataSync())));
      tf.dispose([input, ...p, ...q]);
      loaded.dispose();
    }
    model.dispose();
  });

  it('rejects unknown names and options, and bad values, naming what is allowed', () => {
    expect(() => createModel('gan' as never)).toThrow(
      new ModelOptionError("unknown model 'gan'; available models are: mlp-gan, dcgan, vae, conv-vae."),
    );
    expect(() => createModel('dcgan', { widht: 8 })).toThrow(
      "unknown dcgan option 'widht'; allowed options are: latentDim, imageShape, seed, ema, width, normalization, refine, conditional, classes.",
    );
    expect(() => createModel('vae', { beta: -1 })).toThrow("vae option 'beta' must be a number in [0, 1000], got -1.");
    expect(() => createModel('vae', { likelihood: 'poisson' })).toThrow(
      "vae option 'likelihood' must be one of 'bernoulli', 'gaussian', got 'poisson'.",
    );
    expect(() => createModel('dcgan', { imageShape: [64, 64, 3] })).toThrow(
      "dcgan option 'imageShape' must be [28, 28, 1], [28, 28, 3], [32, 32, 1] or [32, 32, 3], got [64,64,3].",
    );
    expect(() => createModel('dcgan', { normalization: 'layer' })).toThrow(/'batch', 'none'/);
    expect(() => createModel('dcgan', { refine: 5 })).toThrow("dcgan option 'refine' must be an integer in [0, 4], got 5.");
    expect(() => createModel('dcgan', { refine: 1.5 })).toThrow("dcgan option 'refine' must be an integer in [0, 4], got 1.5.");
    expect(() => createModel('mlp-gan', { refine: 1 })).toThrow(/unknown mlp-gan option 'refine'/);
    expect(() => createModel('mlp-gan', { hidden: [] })).toThrow(/'hidden' must be a list of 1 to 8 integers/);
    expect(() => createModel('mlp-gan', { latentDim: 2.5 })).toThrow(/'latentDim' must be an integer in \[1, 4096\]/);
    expect(() => createModel('conv-vae', { seed: -2 })).toThrow(ModelOptionError);
    expect(() => createModel('dcgan', { ema: 1 })).toThrow("dcgan option 'ema' must be a number in [0, 0.99999], got 1.");
    expect(() => createModel('vae', { ema: 0.999 })).toThrow(/unknown vae option 'ema'/);
  });

  it("ema adds sub-model 'generator_ema', a copy of G that samples use and dispose() frees", () => {
    const before = tf.memory().numTensors;
    const plain = createModel('dcgan', { seed: 3 }) as GanModel;
    expect(plain.generatorEma).toBeNull();
    expect(plain.sampler).toBe(plain.generator);
    expect(Object.keys(plain.subModels())).toEqual(['generator', 'discriminator']);
    expect(plain.options.ema).toBe(0);
    const averaged = createModel('dcgan', { seed: 3, ema: 0.999 }) as GanModel;
    const ema = averaged.generatorEma!;
    expect(averaged.emaDecay).toBe(0.999);
    expect(averaged.sampler).toBe(ema);
    expect(Object.keys(averaged.subModels())).toEqual(['generator', 'discriminator', 'generator_ema']);
    expect(ema.name).toBe('generator_ema');
    // Same layers in the same order (the update pairs weights by position), same starting values.
    expect(ema.weights.map((w) => w.originalName)).toEqual(averaged.generator.weights.map((w) => w.originalName));
    ema.weights.forEach((w, i) => expect(w.read().dataSync()).toEqual(averaged.generator.weights[i]!.read().dataSync()));
    plain.dispose();
    averaged.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

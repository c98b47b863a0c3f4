// Model option `conditional`: the class inputs of every model, that the class changes what the
// networks compute, the Trainer's label checks, round trips through stock tf.loadLayersModel, and
// that `conditional: false` builds, saves and trains exactly what no option does.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/checkpoint/index.js';
import { evaluateVae } from '../../src/eval/index.js';
import { createModel, ModelOptionError, type GanModel, type GenerativeModel, type ModelName, type VaeModel } from '../../src/models/index.js';
import { namedWeights } from '../../src/replica/weight-names.js';
import { LocalReducer, Trainer } from '../../src/train/index.js';

const SMALL: Record<ModelName, Record<string, unknown>> = {
  'mlp-gan': { hidden: [8], latentDim: 4 },
  dcgan: { width: 4, latentDim: 4, refine: 1, ema: 0.9 },
  vae: { hidden: [8], latentDim: 3 },
  'conv-vae': { width: 4, latentDim: 3 },
};
const NAMES = Object.keys(SMALL) as ModelName[];

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'dgm-conditional-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const inputsOf = (m: tf.LayersModel) => m.inputs.map((t, k) => ({ name: m.inputNames[k], dtype: t.dtype, shape: t.shape }));

/** Every file under `dir` (relative path -> bytes). */
async function tree(dir: string, prefix = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) for (const [k, v] of await tree(dir, rel)) out.set(k, v);
    else out.set(rel, await readFile(join(dir, rel)));
  }
  return out;
}

async function trainStep(model: GenerativeModel, labels?: Int32Array): Promise<void> {
  const trainer = new Trainer(model, { seed: 3, reducer: new LocalReducer() });
  const images = tf.randomUniform([4, ...model.imageShape], 0, 1, 'float32', 5) as tf.Tensor4D;
  try {
    await trainer.step(0, { images, indices: Int32Array.from([0, 1, 2, 3]), ...(labels ? { labels } : {}) });
  } finally {
    images.dispose();
    trainer.dispose();
  }
}

describe('conditional: false', () => {
  it('builds, trains and saves byte for byte what no option does, for every model', async () => {
    for (const name of NAMES) {
      const plain = createModel(name, SMALL[name]);
      const off = createModel(name, { ...SMALL[name], conditional: false });
      try {
        expect(off.options, name).toEqual(plain.options);
        expect(off.classes).toBeNull();
        await trainStep(plain);
        await trainStep(off);
        const dirs: string[] = [];
        for (const [k, model] of [plain, off].entries()) {
          const dir = join(root, `${name}-${k}`);
          const saved = await saveCheckpoint(dir, { step: 1, epoch: 0, sampler: { epoch: 0, step: 1 }, seed: 3, config: { model: name }, model, optimizerState: {} });
          dirs.push(saved.dir);
        }
        const [a, b] = await Promise.all(dirs.map((d) => tree(d)));
        expect([...b.keys()].sort(), name).toEqual([...a.keys()].sort());
        for (const [file, bytes] of a) {
          // state.json holds the time of the save (and the manifest its hash); all else must match to the byte.
          const strip = (x: Buffer) =>
            file === 'state.json'
              ? x.toString().replace(/"createdAt": "[^"]*"/, '')
              : file === 'manifest.sha256'
                ? x.toString().replace(/^.*state\.json\n/m, '')
                : x.toString('base64');
          expect(strip(b.get(file) as Buffer), `${name}: ${file}`).toBe(strip(bytes));
        }
      } finally {
        plain.dispose();
        off.dispose();
      }
    }
  });
});

describe('conditional: true', () => {
  it('gives every sub-model a second input, int32 [n, 1] labels, and records the class count', () => {
    const gan = createModel('dcgan', { ...SMALL.dcgan, conditional: true }) as GanModel;
    const vae = createModel('conv-vae', { ...SMALL['conv-vae'], conditional: true, classes: 7 }) as VaeModel;
    try {
      expect(gan.classes).toBe(10);
      expect(gan.options).toMatchObject({ conditional: true, classes: 10 });
      expect(inputsOf(gan.generator)).toEqual([
        { name: 'g_z', dtype: 'float32', shape: [null, 4] },
        { name: 'g_class', dtype: 'int32', shape: [null, 1] },
      ]);
      expect(inputsOf(gan.generatorEma as tf.LayersModel)).toEqual(inputsOf(gan.generator));
      expect(inputsOf(gan.discriminator)).toEqual([
        { name: 'd_image', dtype: 'float32', shape: [null, 28, 28, 1] },
        { name: 'd_class', dtype: 'int32', shape: [null, 1] },
      ]);
      expect(vae.classes).toBe(7);
      expect(inputsOf(vae.encoder).map((i) => i.name)).toEqual(['enc_image', 'enc_class']);
      expect(inputsOf(vae.decoder).map((i) => i.name)).toEqual(['dec_z', 'dec_class']);
      for (const name of ['mlp-gan', 'vae'] as const) {
        const m = createModel(name, { ...SMALL[name], conditional: true });
        expect(Object.values(m.subModels()).every((s) => s.inputs.length === 2 && s.inputs[1].dtype === 'int32'), name).toBe(true);
        m.dispose();
      }
    } finally {
      gan.dispose();
      vae.dispose();
    }
  });

  it('refuses classes without conditional, and class counts out of range', () => {
    expect(() => createModel('vae', { classes: 5 })).toThrow(new ModelOptionError("vae option 'classes' applies only with conditional: true; add conditional: true or drop classes."));
    expect(() => createModel('dcgan', { conditional: true, classes: 1 })).toThrow(/dcgan option 'classes' must be an integer in \[2, 256\], got 1/);
    expect(() => createModel('mlp-gan', { conditional: 'yes' })).toThrow(/mlp-gan option 'conditional' must be true or false, got 'yes'/);
  });

  it('makes G and D depend on the class (projection discriminator), and the encoder and decoder too', () => {
    for (const name of NAMES) {
      const m = createModel(name, { ...SMALL[name], conditional: true });
      const same = tf.tidy(() => {
        const subs = m.family === 'gan' ? [m.generator, m.discriminator] : [m.decoder, m.encoder];
        return subs.map((sub) => {
          const first = tf.randomUniform([2, ...(sub.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 9);
          const at = (k: number) => {
            const out = sub.predict([first, tf.tensor2d([k, k], [2, 1], 'int32')]);
            return (Array.isArray(out) ? out[0] : out).dataSync();
          };
          return Array.from(at(0)).every((v, i) => v === at(1)[i]);
        });
      });
      expect(same, name).toEqual([false, false]);
      m.dispose();
    }
  });

  it('trains on labels, which the Trainer requires and checks', async () => {
    const model = createModel('mlp-gan', { ...SMALL['mlp-gan'], conditional: true, classes: 3 }) as GanModel;
    const trainer = new Trainer(model, { seed: 1, reducer: new LocalReducer() });
    const images = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    const indices = Int32Array.from([0, 1]);
    try {
      await expect(trainer.step(0, { images, indices })).rejects.toThrow('batch.labels must be an Int32Array of 2 classes (one per image): model mlp-gan is conditional.');
      await expect(trainer.step(0, { images, indices, labels: Int32Array.from([0]) })).rejects.toThrow(/an Int32Array of 2 classes/);
      await expect(trainer.step(0, { images, indices, labels: Int32Array.from([0, 3]) })).rejects.toThrow('batch.labels must be classes in [0, 3) for this conditional mlp-gan, got 3.');
      const embedding = () => model.discriminator.getLayer('d_class_embed').getWeights()[0].arraySync() as number[][];
      const generatorEmbedding = () => model.generator.getLayer('g_class_embed').getWeights()[0].arraySync() as number[][];
      const [d0, g0] = [embedding(), generatorEmbedding()];
      const before = tf.memory().numTensors;
      await trainer.step(0, { images, indices, labels: Int32Array.from([0, 2]) });
      expect(tf.memory().numTensors).toBe(before);
      // Only the rows of the classes in the batch get a gradient.
      expect([0, 1, 2].map((k) => embedding()[k].some((v, j) => v !== d0[k][j]))).toEqual([true, false, true]);
      expect([0, 1, 2].map((k) => generatorEmbedding()[k].some((v, j) => v !== g0[k][j]))).toEqual([true, false, true]);
    } finally {
      images.dispose();
      trainer.dispose();
      model.dispose();
    }
  });

  it("gives dcgan's G the one-hot class, a frozen table outside the replicas' statistics, and trains the class rows of G's first kernel", async () => {
    const model = createModel('dcgan', { ...SMALL.dcgan, ema: 0, conditional: true, classes: 3 }) as GanModel;
    const trainer = new Trainer(model, { seed: 1, reducer: new LocalReducer() });
    const images = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    try {
      const oneHot = () => model.generator.getLayer('g_class_onehot').getWeights()[0].arraySync() as number[][];
      // The rows of g_project's kernel after z's latentDim (4) rows meet the one-hot: G's class embedding.
      const classRows = () => (model.generator.getLayer('g_project').getWeights()[0].arraySync() as number[][]).slice(4);
      const identity = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
      expect(oneHot()).toEqual(identity);
      expect(namedWeights(model, 'stats').filter((w) => w.name.includes('class'))).toEqual([]);
      const g0 = classRows();
      expect(g0).toHaveLength(3);
      await trainer.step(0, { images, indices: Int32Array.from([0, 1]), labels: Int32Array.from([0, 2]) });
      expect(oneHot()).toEqual(identity);
      expect([0, 1, 2].map((k) => classRows()[k].some((v, j) => v !== g0[k][j]))).toEqual([true, false, true]);
    } finally {
      images.dispose();
      trainer.dispose();
      model.dispose();
    }
  });

  it('round-trips through stock tf.loadLayersModel as two-input models', async () => {
    for (const name of ['dcgan', 'vae'] as const) {
      const model = createModel(name, { ...SMALL[name], conditional: true });
      for (const sub of Object.values(model.subModels())) {
        let artifacts: tf.io.ModelArtifacts | undefined;
        await sub.save(tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }));
        const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
        expect(inputsOf(loaded), `${name} ${sub.name}`).toEqual(inputsOf(sub));
        const first = tf.randomUniform([3, ...(sub.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 2);
        const labels = tf.tensor2d([0, 4, 9], [3, 1], 'int32');
        const [p, q] = [sub.predict([first, labels]), loaded.predict([first, labels])].map((o) => (Array.isArray(o) ? o : [o]));
        p.forEach((t, k) => expect(Array.from(q[k].dataSync())).toEqual(Array.from(t.dataSync())));
        tf.dispose([first, labels, ...p, ...q]);
        loaded.dispose();
      }
      model.dispose();
    }
  });

  it("scores a conditional VAE's bound with each test image's label (log p(x | y))", async () => {
    const vae = createModel('vae', { ...SMALL.vae, conditional: true, classes: 3 }) as VaeModel;
    const images = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    try {
      await expect(evaluateVae(vae, images)).rejects.toThrow('This conditional VAE needs the class of each of the 6 test images (options.labels, or an image set with labels).');
      await expect(evaluateVae(vae, images, { labels: [0, 1, 2, 0, 1, 3] })).rejects.toThrow('Test labels must be classes in [0, 3) for this conditional VAE; got 3.');
      const a = await evaluateVae(vae, images, { labels: [0, 1, 2, 0, 1, 2], k: 4 });
      const b = await evaluateVae(vae, images, { labels: [2, 2, 2, 2, 2, 2], k: 4 });
      expect(Number.isFinite(a.elbo) && Number.isFinite(a.iwae as number)).toBe(true);
      expect(a.elbo).not.toBe(b.elbo);
      expect(a.iwae).not.toBe(b.iwae);
    } finally {
      images.dispose();
      vae.dispose();
    }
  });
});

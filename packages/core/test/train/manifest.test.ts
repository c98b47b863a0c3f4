import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { createModel, type GanModel, type VaeModel } from '../../src/models/index.js';
import {
  buildManifest,
  Fnv1a64,
  fnv1a64Hex,
  flattenGradients,
  LocalReducer,
  Trainer,
  TrainerInputError,
  unflattenGradients,
} from '../../src/train/index.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('FNV-1a-64', () => {
  it('matches the reference values of the FNV test suite', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
    expect(new Fnv1a64().updateString('foo').updateString('bar').hex()).toBe('85944171f73967e8');
  });
});

describe('ParameterManifest', () => {
  it('lays out a phase in trainableWeights order with contiguous offsets', () => {
    const model = createModel('mlp-gan', { hidden: [8], latentDim: 3 }) as GanModel;
    const trainer = new Trainer(model);
    const d = trainer.manifests.d!;
    expect(d.phase).toBe('d');
    expect(d.entries.map((e) => e.name)).toEqual(['d_dense1/kernel', 'd_dense1/bias', 'd_logits/kernel', 'd_logits/bias']);
    expect(d.entries.map((e) => [e.offset, e.size])).toEqual([[0, 784 * 8], [6272, 8], [6280, 8], [6288, 1]]);
    expect(d.totalSize).toBe(6289);
    expect(trainer.manifests.g!.entries.map((e) => e.name)).toEqual(model.generator.trainableWeights.map((w) => w.originalName));
    expect(d.hash).toMatch(/^[0-9a-f]{16}$/);
    trainer.dispose();
    model.dispose();
  });

  it('VAE phase covers encoder then decoder; hashes depend on names and shapes only', () => {
    const a = createModel('vae', { hidden: [8], latentDim: 2 }) as VaeModel;
    const b = createModel('vae', { hidden: [8], latentDim: 2, seed: 9 }) as VaeModel;
    const c = createModel('vae', { hidden: [8], latentDim: 3 }) as VaeModel;
    const [ma, mb, mc] = [a, b, c].map((m) => buildManifest('vae', [...m.encoder.trainableWeights, ...m.decoder.trainableWeights]));
    expect(ma.entries[0].name).toBe('enc_dense1/kernel');
    expect(ma.entries.at(-1)!.name).toBe('dec_out/bias');
    expect(mb.hash).toBe(ma.hash); // other weights' values, same layout, though tfjs named b's variables differently
    expect(mc.hash).not.toBe(ma.hash);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('flattens and unflattens gradients exactly, zero-filling missing ones', async () => {
    const model = createModel('mlp-gan', { hidden: [4], latentDim: 2, imageShape: [2, 2, 1] }) as GanModel;
    const manifest = buildManifest('g', model.generator.trainableWeights);
    const grads = manifest.entries.map((e, i) => (i === 1 ? null : tf.randomNormal(e.shape, 0, 1, 'float32', i)));
    const flat = await flattenGradients(manifest, grads);
    expect(flat.length).toBe(manifest.totalSize);
    const back = unflattenGradients(manifest, flat);
    back.forEach((t, i) => {
      const want = grads[i] ? Array.from(grads[i]!.dataSync()) : new Array(manifest.entries[i].size).fill(0);
      expect(t.shape).toEqual(manifest.entries[i].shape);
      expect(Array.from(t.dataSync())).toEqual(want);
    });
    flat.fill(7); // the tensors hold copies, not views of the caller's buffer
    expect(back[0].dataSync()[0]).not.toBe(7);
    expect(() => unflattenGradients(manifest, new Float32Array(3))).toThrow(
      new TrainerInputError(`phase 'g' expects a Float32Array of ${manifest.totalSize} gradients, got one of 3.`),
    );
    tf.dispose([...grads.filter((g): g is tf.Tensor => g !== null), ...back]);
    model.dispose();
  });

  it('LocalReducer is the identity', async () => {
    const grads = new Float32Array([1, 2, 3]);
    expect(await new LocalReducer().reduce('d', 0, grads, 3)).toBe(grads);
  });
});

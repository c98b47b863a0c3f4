// Stock tfjs loaders read dgm checkpoints: `tf.loadLayersModel('file://…')` through our router
// (no tfjs-node here), and `tf.loadLayersModel('http://…')` from a real local HTTP server.
import * as tf from '@tensorflow/tfjs';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerFileSystemRouter, saveCheckpoint } from '../../src/checkpoint/index.js';
import { withTempDir } from './fixtures/temp-root.js';
import { scrambleWeights, tinyGan, weightValues, type TinyGan } from './fixtures/tiny-models.js';

let model: TinyGan;
beforeAll(() => {
  model = tinyGan();
  scrambleWeights(model.discriminator, 5);
});
afterAll(() => model.dispose());

async function saveOne(root: string): Promise<string> {
  const saved = await saveCheckpoint(root, {
    step: 7, epoch: 0, sampler: { epoch: 0, step: 7 }, seed: 3, config: {}, model, optimizerState: {},
  });
  return saved.dir;
}

/** Same outputs on the same input, bit for bit. */
function expectSameFunction(a: tf.LayersModel, b: tf.LayersModel, inputDim: number): void {
  const x = tf.randomNormal([3, inputDim], 0, 1, 'float32', 11);
  const [ya, yb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
  expect(ya.dataSync()).toEqual(yb.dataSync());
  tf.dispose([x, ya, yb]);
}

/** A static file server over `dir`, like any web server a browser would load a model from. */
async function serve(dir: string): Promise<{ server: Server; base: string }> {
  const server = createServer(async (req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const info = path.startsWith(dir) ? await stat(path).catch(() => null) : null;
    if (!info?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'content-length': info.size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('stock tf.loadLayersModel on checkpoints', () => {
  it('reads file:// URLs once registerFileSystemRouter() ran (idempotent), and model.save(file://) writes them', async () => {
    expect(tf.io.getLoadHandlers('file:///x/model.json')).toHaveLength(0); // no tfjs-node here
    expect(registerFileSystemRouter()).toBe(true);
    expect(registerFileSystemRouter()).toBe(false);
    expect(tf.io.getLoadHandlers('file:///x/model.json')).toHaveLength(1);
    expect(tf.io.getLoadHandlers('http://x/model.json')).toHaveLength(1); // the http router still answers alone

    await withTempDir(async (root) => {
      const dir = await saveOne(root);
      const before = tf.memory().numTensors;
      const loaded = await tf.loadLayersModel(`file://${join(dir, 'discriminator', 'model.json')}`);
      expect(weightValues(loaded)).toEqual(weightValues(model.discriminator));
      expectSameFunction(loaded, model.discriminator, 6);
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);

      await model.generator.save(`file://${join(root, 'exported')}`);
      const again = await tf.loadLayersModel(`file://${join(root, 'exported', 'model.json')}`);
      expectSameFunction(again, model.generator, 4);
      again.dispose();

      await expect(tf.loadLayersModel(`file://${join(root, 'missing', 'model.json')}`)).rejects.toThrow(/Cannot read model file .*missing\/model\.json: ENOENT/);
      await writeFile(join(root, 'bad.json'), '<html>');
      await expect(tf.loadLayersModel(`file://${join(root, 'bad.json')}`)).rejects.toThrow(/bad\.json is not valid JSON/);
    });
  });

  it('reads http:// URLs served by a real local server from the checkpoint dir', async () => {
    await withTempDir(async (root) => {
      const dir = await saveOne(root);
      const { server, base } = await serve(dir);
      try {
        const before = tf.memory().numTensors;
        const generator = await tf.loadLayersModel(`${base}/generator/model.json`);
        const discriminator = await tf.loadLayersModel(`${base}/discriminator/model.json`);
        expect(weightValues(generator)).toEqual(weightValues(model.generator));
        expect(weightValues(discriminator)).toEqual(weightValues(model.discriminator));
        expectSameFunction(discriminator, model.discriminator, 6);
        generator.dispose();
        discriminator.dispose();
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        const closed = new Promise((resolve) => server.close(resolve));
        server.closeAllConnections(); // fetch keeps connections alive; do not wait for them to idle out
        await closed;
      }
    });
  });
});

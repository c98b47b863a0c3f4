import { it } from 'vitest';
import { initBackend } from '@dgm/core';
import { startCoordinator } from '../src/index.js';
import { spawnWorker, killAll } from './support/processes.js';
import { referenceWeights, weightsOf } from './support/reference.js';
import { writeNpyImages } from './support/synthetic-data.js';
it('dbg', async () => {
  await initBackend('wasm');
  writeNpyImages('/tmp/dgm-dbg/m.npy', 60, 28, 28);
  const config = { model: 'dcgan', modelOptions: { imageShape: [28, 28, 1], latentDim: 4, width: 2, normalization: 'none' }, trainer: {}, data: 'npy:/tmp/dgm-dbg/m.npy', seed: 13, globalBatch: 10, steps: Number(process.env.STEPS ?? 3) };
  const ref = await referenceWeights(config as never);
  for (const workers of [1, 2]) {
    const t = Date.now();
    const handle = await startCoordinator({ bind: 'tcp://127.0.0.1:*', config: config as never, workers, backend: 'wasm', checkEvery: 0, timeoutMs: 5000 });
    const procs = Array.from({ length: workers }, () => spawnWorker(handle.address));
    const result = await handle.done;
    await Promise.all(procs.map((p) => p.exit));
    const w = weightsOf(result.finalState);
    const rows = [];
    for (const [k, v] of w) { const r = ref.get(k)!; let m = 0; for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] - r[i])); rows.push(`${k}:${m.toExponential(2)}`); }
    console.log(workers, Date.now() - t, 'ms', rows.join(' '));
  }
  killAll();
}, 300000);

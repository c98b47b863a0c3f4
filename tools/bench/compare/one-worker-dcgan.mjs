// DCGAN (anchor layers, normalization none, global batch 128) trained by ONE worker process of a
// built checkout (its tools/dist, its coordinator, its `dgm worker`), the plane left to `auto`:
// median step, compute and overhead (step − compute) ms over the steps after 2 warm-ups, one JSON
// line with the load average before and after. Alternate two checkouts round by round:
//   for r in 1 2 3; do for c in <before checkout> .; do node tools/bench/compare/one-worker-dcgan.mjs $c 12; done; done
// One process per run: two checkouts' tfjs in one process would share tfjs's global engine.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [checkout, steps = '12'] = process.argv.slice(2);
if (!checkout) throw new Error('usage: node one-worker-dcgan.mjs <built checkout> [steps]');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const { trainDistributed, stepOverhead } = await import(pathToFileURL(resolve(checkout, 'tools/dist/bench/allreduce-training.js')).href);
const config = { model: 'dcgan', modelOptions: { normalization: 'none' }, trainer: {}, data: 'mnist', seed: 1, globalBatch: 128, steps: Number(steps) };
const loadBefore = load();
const o = stepOverhead(await trainDistributed(config, 1, 'ipc'), 2);
console.log(JSON.stringify({ checkout, steps: Number(steps) - 2, stepMs: o.stepMs, computeMs: o.computeMs, overheadMs: o.overheadMs, loadBefore, loadAfter: load() }));
process.exit(0);

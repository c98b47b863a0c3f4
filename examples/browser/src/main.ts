// The example page: (1) draws a checkpoint's samples, (2) trains a VAE on wasm, then on WebGL when
// the browser has it. URL parameters: checkpoint=<URL of a checkpoint directory> (default
// checkpoint/, where serve.mjs mounts one), steps=<training steps per backend> (default 40; 0
// draws the samples only).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@dgm/core';
import { drawCheckpointGrid } from './checkpoint-grid.js';
import type { PageResult, TrainingResult } from './page-result.js';
import { trainVae } from './train-vae.js';

const params = new URLSearchParams(location.search);
const checkpointUrl = new URL(params.get('checkpoint') ?? 'checkpoint/', location.href).href;
const steps = Number(params.get('steps') ?? 40);
if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps=${params.get('steps')}: give a whole number of training steps (0 or more).`);

function element<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** A new row of the training table; its last cell holds the canvas for the VAE's samples. */
function trainingRow(): { row: HTMLTableRowElement; canvas: HTMLCanvasElement } {
  const row = element('training').appendChild(document.createElement('tr'));
  const canvas = document.createElement('canvas');
  return { row, canvas };
}

function showTraining(run: TrainingResult, { row, canvas }: { row: HTMLTableRowElement; canvas: HTMLCanvasElement }): void {
  const after = run.stepMs.slice(1);
  const msPerStep = after.length > 0 ? after.reduce((a, b) => a + b, 0) / after.length : run.stepMs[0]!;
  const cells = [run.backend, String(run.losses.length), run.losses[0]!.toFixed(1), run.losses.at(-1)!.toFixed(1), msPerStep.toFixed(1)];
  for (const text of cells) row.appendChild(document.createElement('td')).textContent = text;
  row.appendChild(document.createElement('td')).appendChild(canvas);
}

/** Why WebGL cannot run here, or null when the browser gives a WebGL context. */
function webglMissing(): string | null {
  const canvas = document.createElement('canvas');
  return canvas.getContext('webgl2') !== null || canvas.getContext('webgl') !== null ? null : 'this browser gives no WebGL context';
}

async function run(): Promise<PageResult> {
  const result: PageResult = { status: 'done', training: [] };
  // The .wasm files are served next to the page (build.mjs copies them into wasm/).
  setWasmPaths(new URL('wasm/', location.href).href);
  await initBackend('wasm');

  result.grid = await drawCheckpointGrid(checkpointUrl, element<HTMLCanvasElement>('grid'));
  const drawn = result.grid.subModel === 'generator_ema' ? 'its generator average' : result.grid.subModel;
  element('grid-caption').textContent = `${result.grid.family}, ${drawn}, ${result.grid.inputs === 2 ? 'one row per class' : 'unconditional'}`;

  if (steps === 0) return result;
  const wasmRow = trainingRow();
  const wasm = await trainVae(steps, wasmRow.canvas);
  result.training.push(wasm);
  showTraining(wasm, wasmRow);

  const missing = webglMissing();
  if (missing !== null) {
    result.webglSkipped = missing;
  } else if (!(await tf.setBackend('webgl'))) {
    result.webglSkipped = 'tfjs could not initialise its webgl backend';
  } else {
    const webglRow = trainingRow();
    const webgl = await trainVae(steps, webglRow.canvas);
    result.training.push(webgl);
    showTraining(webgl, webglRow);
  }
  return result;
}

run()
  .catch((err: unknown): PageResult => {
    console.error(err);
    return { status: 'failed', error: err instanceof Error ? err.message : String(err), training: [] };
  })
  .then((result) => {
    window.dgmPage = result;
    element('status').textContent = result.status === 'done' ? `done${result.webglSkipped ? ` (WebGL skipped: ${result.webglSkipped})` : ''}` : `failed: ${result.error}`;
  });

// Reading checkpoints back: find the dir, verify every byte against the manifest, then rebuild
// sub-models (stock tf.loadLayersModel) and optimizer tensors from exactly the verified bytes.
import * as tf from '#tfjs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { CheckpointError } from './errors.js';
import { artifactsFromFiles } from './layers-artifacts.js';
import { LATEST_FILE, MANIFEST_FILE, MODEL_JSON_FILE, STATE_FILE, optimizerFiles, parseCheckpointName } from './layout.js';
import { listCheckpoints, readLatestName } from './listing.js';
import { decodeOptimizerPhase } from './optimizer-state.js';
import type { OptimizerState } from '../train/optimizer-state.js';
import { verifyManifest } from './sha256-manifest.js';
import { parseState, type CheckpointState } from './state.js';

/** A verified checkpoint in memory. The caller owns `models` and the optimizer tensors: call `dispose()`. */
export interface LoadedCheckpoint {
  dir: string;
  name: string;
  state: CheckpointState;
  /** tfjs ModelArtifacts per sub-model (topology + weights), e.g. for `tf.io.fromMemory`. */
  artifacts: Record<string, tf.io.ModelArtifacts>;
  /** Sub-models rebuilt with `tf.loadLayersModel`; empty when loaded with `{ models: false }`. */
  models: Record<string, tf.LayersModel>;
  optimizerState: OptimizerState;
  dispose(): void;
}

export interface LoadCheckpointOptions {
  /** Rebuild the sub-models as LayersModels (default true); artifacts are always returned. */
  models?: boolean;
}

const isDir = (path: string): Promise<boolean> => stat(path).then((s) => s.isDirectory(), () => false);
const isFile = (path: string): Promise<boolean> => stat(path).then((s) => s.isFile(), () => false);

/**
 * The checkpoints root for a path that is either a root (`.../checkpoints`) or a run dir
 * (`<run>` holding `checkpoints/`). Throws CheckpointError if it is neither.
 */
export async function resolveCheckpointsRoot(path: string): Promise<string> {
  if (!(await isDir(path))) throw new CheckpointError(`Checkpoint path ${path} does not exist or is not a directory.`, { path });
  if (await isFile(join(path, LATEST_FILE))) return path;
  if ((await listCheckpoints(path)).length > 0) return path;
  if (await isDir(join(path, 'checkpoints'))) return join(path, 'checkpoints');
  throw new CheckpointError(`${path} holds no checkpoints: expected a step-NNNNNN dir, a checkpoints dir with a 'latest' file, or a run dir with checkpoints/.`, { path });
}

/**
 * The checkpoint dir `pathOrRoot` designates: a checkpoint dir itself, a checkpoints root (its
 * `latest`), or a run dir (`<run>/checkpoints/latest`).
 */
export async function resolveCheckpointDir(pathOrRoot: string): Promise<string> {
  if (!(await isDir(pathOrRoot))) throw new CheckpointError(`Checkpoint path ${pathOrRoot} does not exist or is not a directory.`, { path: pathOrRoot });
  if (parseCheckpointName(basename(pathOrRoot)) !== null || (await isFile(join(pathOrRoot, STATE_FILE)))) return pathOrRoot;
  const root = await resolveCheckpointsRoot(pathOrRoot);
  const latest = await readLatestName(root);
  if (latest === null) {
    // A sentence for a person (dgm inspect, sample, eval show it as is): which folders there are to name instead.
    const steps = (await listCheckpoints(root)).filter((c) => c.complete).map((c) => c.name);
    const instead = steps.length > 0 ? `name one of its checkpoints instead, such as ${join(root, steps[steps.length - 1])}` : 'it holds no complete checkpoint yet (the run stopped before its first one)';
    throw new CheckpointError(`${root} has no '${LATEST_FILE}' file marking a complete checkpoint; ${instead}.`, { path: root });
  }
  const dir = join(root, latest);
  if (!(await isDir(dir))) throw new CheckpointError(`${join(root, LATEST_FILE)} names ${latest}, which does not exist.`, { path: dir });
  return dir;
}

/** Checks every file of a checkpoint against its manifest and parses state.json; returns the verified bytes and state. */
export async function verifyCheckpoint(dir: string): Promise<{ state: CheckpointState; files: Map<string, Uint8Array> }> {
  const files = await verifyManifest(dir);
  const state = parseState(text(verified(files, dir, STATE_FILE)), join(dir, STATE_FILE));
  for (const sub of state.model.subModels) verified(files, dir, `${sub}/${MODEL_JSON_FILE}`);
  for (const phase of state.optimizerPhases) {
    const f = optimizerFiles(phase);
    verified(files, dir, f.json);
    verified(files, dir, f.bin);
  }
  return { state, files };
}

/** Loads a verified checkpoint (see resolveCheckpointDir for what `pathOrRoot` may be). */
export async function loadCheckpoint(pathOrRoot: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const dir = await resolveCheckpointDir(pathOrRoot);
  const { state, files } = await verifyCheckpoint(dir);
  const artifacts: Record<string, tf.io.ModelArtifacts> = {};
  for (const sub of state.model.subModels) {
    const jsonPath = `${sub}/${MODEL_JSON_FILE}`;
    artifacts[sub] = artifactsFromFiles(text(verified(files, dir, jsonPath)), (weightsPath) => verified(files, dir, `${sub}/${weightsPath}`), join(dir, jsonPath));
  }
  const optimizerState: OptimizerState = {};
  const models: Record<string, tf.LayersModel> = {};
  const dispose = (): void => {
    for (const entries of Object.values(optimizerState)) for (const e of entries) e.tensor.dispose();
    for (const m of Object.values(models)) m.dispose();
  };
  try {
    for (const phase of state.optimizerPhases) {
      const f = optimizerFiles(phase);
      optimizerState[phase] = decodeOptimizerPhase(text(verified(files, dir, f.json)), verified(files, dir, f.bin), join(dir, f.json)).entries;
    }
    if (options.models ?? true) {
      for (const [sub, art] of Object.entries(artifacts)) {
        try {
          models[sub] = await tf.loadLayersModel(tf.io.fromMemory(art));
        } catch (error) {
          throw new CheckpointError(`Sub-model ${join(dir, sub, MODEL_JSON_FILE)} could not be rebuilt by tf.loadLayersModel: ${(error as Error).message}`, { path: join(dir, sub), cause: error });
        }
      }
    }
  } catch (error) {
    dispose();
    throw error;
  }
  return { dir, name: basename(dir), state, artifacts, models, optimizerState, dispose };
}

/** Result of latestValidCheckpoint: the checkpoint to resume from and what was passed over. */
export interface ValidCheckpoint {
  dir: string;
  name: string;
  step: number;
  state: CheckpointState;
  /** True when `latest` was missing, unreadable or named a damaged checkpoint. */
  fellBack: boolean;
  /** Checkpoints (or the `latest` file) skipped, newest first, with the reason. */
  skipped: { name: string; reason: string }[];
}

/**
 * The newest checkpoint that verifies, for a checkpoints root or run dir: the one `latest` names
 * if it is intact, else the newest intact one older than it (saying so through `log`).
 * Null when the dir holds no intact checkpoint (or none at all); CheckpointError if it does not exist.
 */
export async function latestValidCheckpoint(rootOrRun: string, options: { log?: (message: string) => void } = {}): Promise<ValidCheckpoint | null> {
  if (!(await isDir(rootOrRun))) throw new CheckpointError(`Checkpoint path ${rootOrRun} does not exist or is not a directory.`, { path: rootOrRun });
  let root: string;
  try {
    root = await resolveCheckpointsRoot(rootOrRun);
  } catch (error) {
    if (error instanceof CheckpointError) return null; // an existing dir with no checkpoints yet
    throw error;
  }
  const skipped: { name: string; reason: string }[] = [];
  let latest: string | null = null;
  try {
    latest = await readLatestName(root);
    if (latest === null) skipped.push({ name: LATEST_FILE, reason: `${join(root, LATEST_FILE)} does not exist.` });
  } catch (error) {
    skipped.push({ name: LATEST_FILE, reason: (error as Error).message });
  }
  const listed = (await listCheckpoints(root)).reverse();
  const latestStep = latest === null ? null : parseCheckpointName(latest);
  // `latest` is the commit point: fall back only to checkpoints older than the one it names.
  const candidates = latestStep === null ? listed : [{ name: latest as string, dir: join(root, latest as string), step: latestStep }, ...listed.filter((c) => c.step < latestStep)];
  for (const c of candidates) {
    try {
      if (!(await isDir(c.dir))) throw new CheckpointError(`Checkpoint ${c.dir} does not exist.`, { path: c.dir });
      const { state } = await verifyCheckpoint(c.dir);
      const fellBack = skipped.length > 0;
      if (fellBack) {
        const why = skipped.map((s) => `${s.name}: ${s.reason}`).join(' ');
        options.log?.(`Falling back to checkpoint ${c.name} in ${root} because newer ones are unusable (${why})`);
      }
      return { dir: c.dir, name: c.name, step: c.step, state, fellBack, skipped };
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push({ name: c.name, reason: error.message });
    }
  }
  if (skipped.length > 0) options.log?.(`No intact checkpoint in ${root}: ${skipped.map((s) => `${s.name}: ${s.reason}`).join(' ')}`);
  return null;
}

function verified(files: Map<string, Uint8Array>, dir: string, relative: string): Uint8Array {
  const data = files.get(relative);
  if (data === undefined) throw new CheckpointError(`Checkpoint file ${join(dir, relative)} is not listed in ${MANIFEST_FILE}, so it cannot be trusted.`, { path: join(dir, relative) });
  return data;
}

function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

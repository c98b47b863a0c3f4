// Writing a checkpoint so that a crash at any instant leaves either the previous state or the
// new one: everything goes into a temp dir, is fsynced, then published by one rename; `latest`
// moves (atomically) only after that; old checkpoints are deleted only after `latest` moved.
import type * as tf from '@tensorflow/tfjs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { fsyncDirectory, uniqueSuffix, writeFileAtomic, writeFileDurable } from './atomic-write.js';
import { CheckpointError } from './errors.js';
import { layersModelToFiles } from './layers-artifacts.js';
import {
  LATEST_FILE,
  MANIFEST_FILE,
  MODEL_JSON_FILE,
  STATE_FILE,
  TEMP_PREFIX,
  TRASH_PREFIX,
  WEIGHTS_FILE,
  checkpointName,
  isPlainName,
  optimizerFiles,
  parseCheckpointName,
} from './layout.js';
import { encodeOptimizerPhase } from './optimizer-state.js';
import type { OptimizerState } from '../train/optimizer-state.js';
import { listCheckpoints, readLatestName } from './listing.js';
import { formatManifest, sha256Hex, type ManifestEntry } from './sha256-manifest.js';
import { configHashOf, libraryInfo, type CheckpointState, type SamplerCursor } from './state.js';

/** What a checkpoint saves. `model` fits a GanModel/VaeModel (anything with named sub-models). */
export interface SaveCheckpointInput {
  /** Training steps completed; names the dir `step-NNNNNN`. */
  step: number;
  epoch: number;
  sampler: SamplerCursor;
  seed: number;
  config: Record<string, unknown>;
  /** Defaults to `configHashOf(config)`. */
  configHash?: string;
  model: { name: string; family?: string; options: Record<string, unknown>; subModels(): Record<string, tf.LayersModel> };
  /** Per phase, in the optimizer's own order (e.g. `await trainer.getOptimizerState()`). */
  optimizerState: OptimizerState;
  manifestHashes?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** Stages of a save, in order; `onStage` runs after each (a fault point for crash tests). */
export type SaveStage = 'files-written' | 'published' | 'latest-updated' | 'pruned';

export interface SaveCheckpointOptions {
  /** Complete checkpoints to keep: the new one and the `keep - 1` newest before it. Default 3. */
  keep?: number;
  /** Called after each stage; if it throws, the save stops there as if the process had died. */
  onStage?: (stage: SaveStage, dir: string) => void | Promise<void>;
}

export interface SavedCheckpoint {
  /** Absolute or root-relative path of the published checkpoint dir. */
  dir: string;
  name: string;
  step: number;
  /** Files written (relative paths) with their sha256, as listed in manifest.sha256. */
  files: ManifestEntry[];
  bytes: number;
  /** Checkpoint names removed by retention. */
  pruned: string[];
}

/** Saves a checkpoint under `root` (created if needed), moves `latest` to it and prunes old ones. */
export async function saveCheckpoint(root: string, input: SaveCheckpointInput, options: SaveCheckpointOptions = {}): Promise<SavedCheckpoint> {
  const keep = options.keep ?? 3;
  validateInput(input, keep);
  const name = checkpointName(input.step);
  const finalDir = join(root, name);
  const onStage = options.onStage ?? (() => undefined);
  const subModels = input.model.subModels();
  const phases = Object.keys(input.optimizerState);

  const created = await mkdir(root, { recursive: true });
  if (created !== undefined) await fsyncDirectory(dirname(created)); // make the new root itself durable
  await sweepLeftovers(root);
  const tempDir = join(root, `${TEMP_PREFIX}${name}-${uniqueSuffix()}`);
  await mkdir(tempDir);
  const files: ManifestEntry[] = [];
  try {
    const put = async (relative: string, data: Uint8Array | string): Promise<void> => {
      await writeFileDurable(join(tempDir, relative), data);
      files.push({ path: relative, sha256: sha256Hex(data) });
    };
    for (const [subName, model] of Object.entries(subModels)) {
      const { modelJson, weights } = await layersModelToFiles(model);
      await mkdir(join(tempDir, subName));
      await put(`${subName}/${MODEL_JSON_FILE}`, modelJson);
      await put(`${subName}/${WEIGHTS_FILE}`, weights);
      await fsyncDirectory(join(tempDir, subName));
    }
    for (const phase of phases) {
      const file = optimizerFiles(phase);
      const { json, bin } = await encodeOptimizerPhase(phase, input.optimizerState[phase] ?? [], file.bin);
      await put(file.bin, bin);
      await put(file.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    const state: CheckpointState = {
      format: 'dgm-checkpoint',
      formatVersion: 1,
      name,
      step: input.step,
      epoch: input.epoch,
      sampler: { epoch: input.sampler.epoch, step: input.sampler.step },
      seed: input.seed,
      config: input.config,
      configHash: input.configHash ?? configHashOf(input.config),
      manifestHashes: input.manifestHashes ?? {},
      library: libraryInfo(),
      model: { name: input.model.name, family: input.model.family, options: input.model.options, subModels: Object.keys(subModels) },
      optimizerPhases: phases,
      createdAt: new Date().toISOString(),
      ...(input.extra === undefined ? {} : { extra: input.extra }),
    };
    await put(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
    // The manifest is the last file: its presence is what makes the dir a complete checkpoint.
    await writeFileDurable(join(tempDir, MANIFEST_FILE), formatManifest(files));
    await fsyncDirectory(tempDir);
    await onStage('files-written', tempDir);
    await publish(root, tempDir, finalDir);
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  await onStage('published', finalDir);
  await writeFileAtomic(join(root, LATEST_FILE), `${name}\n`);
  await onStage('latest-updated', finalDir);
  const pruned = await pruneCheckpoints(root, keep);
  await onStage('pruned', finalDir);
  const bytes = await totalBytes(finalDir, files);
  return { dir: finalDir, name, step: input.step, files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)), bytes, pruned };
}

/** Renames the finished temp dir into place; an existing dir of the same step is moved aside first. */
async function publish(root: string, tempDir: string, finalDir: string): Promise<void> {
  try {
    await rename(tempDir, finalDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    // Re-saving a step (a resume from an older checkpoint): the old copy goes to the trash, then
    // the new one takes its place. In between `latest` may name a missing dir; loaders then fall
    // back to the newest valid checkpoint, so the state is still "old or new".
    const trash = join(root, `${TRASH_PREFIX}${finalDir.split(/[\\/]/).pop() ?? ''}-${uniqueSuffix()}`);
    await rename(finalDir, trash);
    await rename(tempDir, finalDir);
    await fsyncDirectory(root);
    await rm(trash, { recursive: true, force: true });
  }
  await fsyncDirectory(root);
}

/**
 * Keeps the checkpoint `latest` names and the `keep - 1` newest complete ones before it; deletes
 * the older ones. Checkpoints newer than `latest` (left by a run that was resumed from an earlier
 * one) are not part of the committed history and are left alone, never silently destroyed.
 * Each deleted dir is renamed into the trash first, so no half-deleted checkpoint is ever visible.
 */
export async function pruneCheckpoints(root: string, keep: number): Promise<string[]> {
  const latest = await readLatestName(root);
  const latestStep = latest === null ? Infinity : (parseCheckpointName(latest) as number);
  const history = (await listCheckpoints(root)).filter((c) => c.complete && c.step <= latestStep);
  const doomed = history.slice(0, Math.max(0, history.length - keep));
  for (const c of doomed) {
    const trash = join(root, `${TRASH_PREFIX}${c.name}-${uniqueSuffix()}`);
    await rename(c.dir, trash);
    await rm(trash, { recursive: true, force: true });
  }
  if (doomed.length > 0) await fsyncDirectory(root);
  return doomed.map((c) => c.name);
}

/**
 * Removes temp dirs (and temp `latest` files) of saves whose process is gone, and any trash a
 * crashed delete left. Assumes one writing host per root (the coordinator): a pid is only
 * meaningful on the machine that wrote it.
 */
async function sweepLeftovers(root: string): Promise<void> {
  for (const entry of await readdir(root)) {
    if (entry.startsWith(TRASH_PREFIX)) {
      await rm(join(root, entry), { recursive: true, force: true });
    } else if (entry.startsWith(TEMP_PREFIX) || entry.startsWith(`.${LATEST_FILE}.tmp-`)) {
      const pid = Number(/-(\d+)-[0-9a-f]+$/.exec(entry)?.[1]);
      if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) await rm(join(root, entry), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function totalBytes(dir: string, files: ManifestEntry[]): Promise<number> {
  let bytes = (await stat(join(dir, MANIFEST_FILE))).size;
  for (const f of files) bytes += (await stat(join(dir, f.path))).size;
  return bytes;
}

function validateInput(input: SaveCheckpointInput, keep: number): void {
  const nonNegInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Number.isSafeInteger(keep) || keep < 1) throw new CheckpointError(`keep must be an integer of at least 1 (checkpoints to keep); got ${String(keep)}.`);
  if (!nonNegInt(input.step)) throw new CheckpointError(`Checkpoint step must be a non-negative integer; got ${String(input.step)}.`);
  if (!nonNegInt(input.epoch)) throw new CheckpointError(`Checkpoint epoch must be a non-negative integer; got ${String(input.epoch)}.`);
  if (!Number.isSafeInteger(input.seed)) throw new CheckpointError(`Checkpoint seed must be an integer; got ${String(input.seed)}.`);
  if (!nonNegInt(input.sampler?.epoch) || !nonNegInt(input.sampler?.step)) {
    throw new CheckpointError('Checkpoint sampler must be { epoch, step } with non-negative integers.');
  }
  if (input.config === null || typeof input.config !== 'object') throw new CheckpointError('Checkpoint config must be an object (the resolved run config).');
  const subs = Object.entries(input.model?.subModels?.() ?? {});
  if (subs.length === 0) throw new CheckpointError('Checkpoint model must have at least one sub-model (model.subModels() returned none).');
  for (const [subName, model] of subs) {
    if (!isPlainName(subName)) throw new CheckpointError(`Sub-model name "${subName}" cannot be a directory name; use letters, digits, '_' and '-'.`);
    if (typeof (model as { save?: unknown })?.save !== 'function') throw new CheckpointError(`Sub-model "${subName}" is not a tf.LayersModel.`);
  }
  for (const phase of Object.keys(input.optimizerState ?? {})) {
    if (!isPlainName(phase)) throw new CheckpointError(`Optimizer phase name "${phase}" cannot be a file name; use letters, digits, '_' and '-'.`);
    if (!Array.isArray(input.optimizerState[phase])) throw new CheckpointError(`Optimizer state for phase "${phase}" must be a list of { name, tensor }.`);
  }
}

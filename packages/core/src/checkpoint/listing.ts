// What is in a checkpoints root: the checkpoint dirs (by step) and the `latest` pointer.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { CheckpointError } from './errors.js';
import { LATEST_FILE, MANIFEST_FILE, parseCheckpointName } from './layout.js';

/** One `step-NNNNNN` dir of a root. `complete` = its manifest exists (written last by a save). */
export interface CheckpointListing {
  name: string;
  step: number;
  dir: string;
  complete: boolean;
}

/** The checkpoint dirs under `root`, oldest step first (temp and trash dirs are not listed). */
export async function listCheckpoints(root: string): Promise<CheckpointListing[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: CheckpointListing[] = [];
  for (const name of entries) {
    const step = parseCheckpointName(name);
    if (step === null) continue;
    const dir = join(root, name);
    const complete = await stat(join(dir, MANIFEST_FILE)).then((s) => s.isFile(), () => false);
    found.push({ name, step, dir, complete });
  }
  return found.sort((a, b) => a.step - b.step);
}

/**
 * The checkpoint name `<root>/latest` holds, or null when there is no such file.
 * A `latest` that does not hold a checkpoint name is damage, reported as a CheckpointError.
 */
export async function readLatestName(root: string): Promise<string | null> {
  const path = join(root, LATEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointError(`Cannot read ${path}: ${(error as Error).message}.`, { path, cause: error });
  }
  const name = text.trim();
  if (parseCheckpointName(name) === null) {
    throw new CheckpointError(`${path} does not hold a checkpoint name like "step-000100" (it holds "${name.slice(0, 40)}").`, { path });
  }
  return name;
}

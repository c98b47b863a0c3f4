// Names and places inside a checkpoints root. Kept in one file so the on-disk format is
// defined once: `<root>/step-NNNNNN/`, `<root>/latest`, temp and trash dirs that start with '.'.

/** File in a checkpoints root holding the name of the newest complete checkpoint. */
export const LATEST_FILE = 'latest';
/** File inside a checkpoint listing the sha256 of every other file; written last. */
export const MANIFEST_FILE = 'manifest.sha256';
/** File inside a checkpoint holding the run state (step, epoch, config, ...). */
export const STATE_FILE = 'state.json';
/** Names of the two files of one tfjs LayersModel artifact, inside `<checkpoint>/<subModel>/`. */
export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const CHECKPOINT_NAME = /^step-(\d{6,})$/;
/** Sub-model and optimizer phase names become file names: keep them plain. */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** `step-000042` for step 42 (6 digits, more when the step needs them). */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** The step of a checkpoint directory name, or null if the name is not one. */
export function parseCheckpointName(name: string): number | null {
  const match = CHECKPOINT_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/** True if `name` may be used as a sub-model or optimizer phase file name. */
export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

/** Optimizer state file names for one phase: `optimizer-<phase>.json` + `.bin`. */
export function optimizerFiles(phase: string): { json: string; bin: string } {
  return { json: `optimizer-${phase}.json`, bin: `optimizer-${phase}.bin` };
}

/** Temp dir a save writes into before the rename that publishes it. */
export const TEMP_PREFIX = '.tmp-';
/** Dirs moved aside before deletion, so a half-deleted checkpoint is never visible. */
export const TRASH_PREFIX = '.trash-';

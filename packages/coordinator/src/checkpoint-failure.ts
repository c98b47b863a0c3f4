// A checkpoint that could not be written, said once and plainly: which step, where, why in words
// (not "ENOSPC: ... write"), and what the run still has — the previous checkpoint, which a failed
// save never touches (it writes into a temporary folder and moves `latest` only at the end).
import { join } from 'node:path';
import { checkpointName, readLatestName } from '@dgm/core/node';
import { CheckpointWriteError } from './errors.js';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the filesystem is read-only',
  EIO: 'an input/output error of the device',
};

/**
 * The sentence for `error` thrown while saving checkpoint `step` under `root`, or `error` itself
 * when it is not a filesystem error (a worker lost while its snapshot was awaited, say).
 */
export async function checkpointWriteFailure(root: string, step: number, error: unknown): Promise<Error> {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(error instanceof Error)) return error as Error;
  const cause = CAUSES[code] ? `${CAUSES[code]} (${code})` : error.message;
  const previous = await readLatestName(root).catch(() => null);
  const left = previous
    ? `the previous checkpoint, ${join(root, previous)}, is intact, and --resume continues from it`
    : 'no earlier checkpoint of this run exists';
  return new CheckpointWriteError(`could not write the checkpoint of step ${step} to ${join(root, checkpointName(step))}: ${cause}; ${left}.`);
}

// What a forced stop (a second Ctrl-C while the final checkpoint is being written) leaves, said
// plainly: the unfinished checkpoint is removed (this process is about to exit, so nobody will
// finish it), and the newest complete one — the one `latest` names — is what the run resumes from.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Removes unfinished checkpoint folders of `runDir` and returns the sentence saying what can be resumed. */
export async function describeForcedStop(runDir: string, command: 'train' | 'coordinator' | 'launch'): Promise<string> {
  const { LATEST_FILE, MANIFEST_FILE, TEMP_PREFIX, parseCheckpointName } = await import('@dgm/core/node');
  const root = join(runDir, 'checkpoints');
  let entries: string[] = [];
  try {
    entries = readdirSync(root);
  } catch {
    // no checkpoints folder: nothing was written
  }
  for (const name of entries) if (name.startsWith(TEMP_PREFIX)) rmSync(join(root, name), { recursive: true, force: true });
  let latest: string | null = null;
  try {
    latest = readFileSync(join(root, LATEST_FILE), 'utf8').trim();
  } catch {
    latest = null;
  }
  const step = latest === null ? null : parseCheckpointName(latest);
  if (latest === null || step === null || !existsSync(join(root, latest, MANIFEST_FILE))) {
    return 'Second interrupt: stopped without a final checkpoint, and no earlier one was written; nothing to resume (start the run again).';
  }
  return `Second interrupt: stopped without the final checkpoint; the run can be resumed from step ${step} (${join(root, latest)}): dgm ${command} --resume ${runDir}`;
}

// The checkpoint manifest, in `sha256sum` format ("<64 hex>  <relative path>" per line) so that
// `cd <checkpoint> && sha256sum -c manifest.sha256` verifies a checkpoint with stock tools.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CheckpointError } from './errors.js';
import { MANIFEST_FILE } from './layout.js';

/** One line of the manifest: a file (relative, '/'-separated) and its sha256 in hex. */
export interface ManifestEntry {
  path: string;
  sha256: string;
}

/** sha256 of bytes, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The manifest text for `entries`, sorted by path so equal checkpoints give equal manifests. */
export function formatManifest(entries: ManifestEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sorted.map((e) => `${e.sha256}  ${e.path}\n`).join('');
}

const LINE = /^([0-9a-f]{64}) [ *](.+)$/;

/** A manifest path must stay inside the checkpoint: relative, no '..', no backslashes. */
function isSafeRelativePath(path: string): boolean {
  return (
    !path.startsWith('/') && !path.includes('\\') && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

/** Parses manifest text; `file` names the manifest in errors. */
export function parseManifest(text: string, file: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new CheckpointError(`Checkpoint manifest ${file} is empty; it must list the sha256 of every checkpoint file.`, { path: file });
  lines.forEach((line, i) => {
    const match = LINE.exec(line);
    if (!match) {
      throw new CheckpointError(
        `Checkpoint manifest ${file} line ${i + 1} is malformed; expected "<64 lowercase hex digits>  <relative path>".`,
        { path: file },
      );
    }
    const [, sha256, path] = match as unknown as [string, string, string];
    if (!isSafeRelativePath(path)) {
      throw new CheckpointError(`Checkpoint manifest ${file} line ${i + 1} names "${path}", which is not a plain path inside the checkpoint.`, { path: file });
    }
    if (seen.has(path)) throw new CheckpointError(`Checkpoint manifest ${file} lists "${path}" twice.`, { path: file });
    seen.add(path);
    entries.push({ path, sha256 });
  });
  return entries;
}

/**
 * Reads `<dir>/manifest.sha256` and checks every listed file's sha256. Returns the file contents
 * keyed by relative path (they were read to hash them; loading reuses them instead of reading
 * again, so what is loaded is exactly what was verified).
 */
export async function verifyManifest(dir: string): Promise<Map<string, Uint8Array>> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CheckpointError(
        `Checkpoint ${dir} is incomplete: ${MANIFEST_FILE} is missing (it is written last, so the save did not finish).`,
        { path: manifestPath, cause: error },
      );
    }
    throw new CheckpointError(`Cannot read checkpoint manifest ${manifestPath}: ${(error as Error).message}.`, { path: manifestPath, cause: error });
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of parseManifest(text, manifestPath)) {
    const path = join(dir, entry.path);
    let data: Uint8Array;
    try {
      data = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (error as Error).message})`;
      throw new CheckpointError(`Checkpoint file ${path} listed in ${MANIFEST_FILE} ${problem}.`, { path, cause: error });
    }
    if (sha256Hex(data) !== entry.sha256) {
      throw new CheckpointError(`Checkpoint file ${path} is damaged: its sha256 does not match ${MANIFEST_FILE}.`, { path });
    }
    files.set(entry.path, data);
  }
  return files;
}

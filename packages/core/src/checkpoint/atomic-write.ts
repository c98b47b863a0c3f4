// Durable, all-or-nothing file writes. A checkpoint is only as safe as its weakest write: data
// must reach the disk (fsync) before the rename that publishes it, and the rename itself must be
// made durable by syncing the directory that holds it.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to `path` (replacing it) and fsyncs the file before returning. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Fsyncs a directory so that entries created or renamed in it survive a power loss.
 * Some platforms (Windows) cannot open a directory for syncing; there the rename is as durable
 * as the OS makes it, so those specific refusals are ignored.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/** A name that no other writer (process or call) will pick, for temp files and dirs. */
export function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Replaces `path` with `data` atomically: readers see either the old file or the whole new one,
 * even if the process dies mid-write (temp file in the same dir + fsync + rename + dir fsync).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${uniqueSuffix()}`);
  try {
    await writeFileDurable(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dir);
}

import { promises as fs } from 'node:fs';
import { BundledDatasetError } from './errors.js';

/** The bytes of a package file; a BundledDatasetError naming it when it cannot be read. */
export async function readBytes(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BundledDatasetError(
      code === 'ENOENT' ? `${file} does not exist.` : `${file} cannot be read: ${(err as Error).message}.`,
    );
  }
}

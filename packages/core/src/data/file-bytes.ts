// Reading user files with errors that name the file and say what went wrong, instead of a bare
// ENOENT stack.
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetError } from './errors.js';

const gunzipAsync = promisify(gunzip);

function describe(err: unknown, file: string): DatasetError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatasetError(`${file} does not exist.`);
  if (code === 'EISDIR') return new DatasetError(`${file} is a directory, a file was expected.`);
  if (code === 'ENOTDIR') return new DatasetError(`${file} is not a directory, a directory was expected.`);
  if (code === 'EACCES' || code === 'EPERM') return new DatasetError(`${file} cannot be read (permission denied).`);
  return new DatasetError(`${file} cannot be read: ${(err as Error).message}.`);
}

/** The bytes of `file`; a DatasetError naming the file if it is missing or unreadable. */
export async function readBytes(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw describe(err, file);
  }
}

/** Whether `file` exists as a regular file. */
export async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Whether `p` exists as a directory; a DatasetError naming it if it does not exist at all. */
export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch (err) {
    throw describe(err, p);
  }
}

/** Names of the entries of directory `dir`. */
export async function listDirectory(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    throw describe(err, dir);
  }
}

/** `bytes` decompressed if they start with the gzip magic 1f 8b, else unchanged. */
export async function gunzipIfCompressed(bytes: Buffer, file: string): Promise<Buffer> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (err) {
    throw new DatasetError(`${file} starts like a gzip file but cannot be decompressed: ${(err as Error).message}.`);
  }
}

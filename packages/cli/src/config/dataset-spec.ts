// Dataset specs as the CLI accepts them: a bundled name or `<format>:<path>`. The CLI checks
// the form and that the path exists; @dgm/core's loadDataset checks the contents.
import { basename } from 'node:path';
import { statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { describeSource, type ValueSource } from './fields.js';
import { BUNDLED_DATASETS, DATASET_FORMS, DATASET_PREFIXES } from './vocabulary.js';

/** A short, path-safe name for a dataset spec: 'idx:/data/digits' → 'digits'. */
export function datasetSlug(spec: string): string {
  const prefix = DATASET_PREFIXES.find((p) => spec.startsWith(p));
  const name = prefix ? basename(spec.slice(prefix.length).replace(/[\\/]+$/, '')).replace(/\.[^.]*$/, '') : spec;
  return name.replace(/[^A-Za-z0-9_-]+/g, '-') || 'data';
}

/** Checks a dataset spec's form and that its file or directory exists (contents are checked on load). */
export function validateDatasetSpec(spec: string, source: ValueSource): void {
  if ((BUNDLED_DATASETS as readonly string[]).includes(spec)) return;
  const prefix = DATASET_PREFIXES.find((p) => spec.startsWith(p));
  if (!prefix) {
    throw new UsageError(`${describeSource(source)} '${spec}' is not a dataset; use ${DATASET_FORMS}.`);
  }
  const path = spec.slice(prefix.length);
  if (path === '') {
    throw new UsageError(`${describeSource(source)} '${spec}' names no path; use ${DATASET_FORMS}.`);
  }
  const wantDir = prefix === 'images:';
  let ok = false;
  try {
    const st = statSync(path);
    ok = wantDir ? st.isDirectory() : st.isFile() || st.isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new UsageError(
      `${describeSource(source)} '${spec}': ${path} does not exist${wantDir ? ' or is not a directory' : ''}.`,
    );
  }
}

// state.json: everything besides tensors that a resumed run needs to continue exactly where the
// saved one stopped, plus what a reader needs to rebuild the model.
import { readFileSync } from 'node:fs';

import * as tf from '#tfjs';

import { CheckpointError } from './errors.js';
import { sha256Hex } from './sha256-manifest.js';

/** Where the epoch sampler stands (data's EpochCursor): the next step to run is step `step` of epoch `epoch`. */
export interface SamplerCursor {
  epoch: number;
  step: number;
}

/** Contents of `state.json`. */
export interface CheckpointState {
  format: 'dgm-checkpoint';
  formatVersion: 1;
  /** Directory name, `step-NNNNNN`. */
  name: string;
  /** Training steps completed; a resumed run runs step `step` next. */
  step: number;
  epoch: number;
  sampler: SamplerCursor;
  seed: number;
  /** Resolved run config and its hash (sha256 of canonical JSON unless the caller gave one). */
  config: Record<string, unknown>;
  configHash: string;
  /** Parameter-manifest hash per phase, so a resume onto a different layout is refused. */
  manifestHashes: Record<string, string>;
  library: { name: string; version: string; tfjs: string };
  model: { name: string; family?: string; options: Record<string, unknown>; subModels: string[] };
  optimizerPhases: string[];
  /** ISO 8601 UTC time the save started. */
  createdAt: string;
  /** Caller-defined extras (e.g. metrics summary); stored verbatim. */
  extra?: Record<string, unknown>;
}

/** JSON with object keys sorted at every level: equal values give equal text (and hashes). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** `sha256:<hex>` of the canonical JSON of a config. */
export function configHashOf(config: Record<string, unknown>): string {
  return `sha256:${sha256Hex(canonicalJson(config))}`;
}

let cachedVersion: string | undefined;
/** Version of @dgm/core, read from its package.json (same relative place from src/ and dist/). */
export function libraryInfo(): CheckpointState['library'] {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    cachedVersion = pkg.version ?? 'unknown';
  }
  return { name: '@dgm/core', version: cachedVersion, tfjs: tf.version_core };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses and checks state.json; `source` names the file in errors. */
export function parseState(text: string, source: string): CheckpointState {
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
  } catch (error) {
    throw new CheckpointError(`${source} is not valid JSON: ${(error as Error).message}.`, { path: source, cause: error });
  }
  const problem = stateProblem(state);
  if (problem !== null) throw new CheckpointError(`${source} is not a dgm checkpoint state: ${problem}.`, { path: source });
  return state;
}

function stateProblem(s: CheckpointState): string | null {
  if (!isRecord(s)) return 'it is not a JSON object';
  if (s.format !== 'dgm-checkpoint') return 'format must be "dgm-checkpoint"';
  if (s.formatVersion !== 1) return `formatVersion ${String(s.formatVersion)} is not supported (this reader knows 1)`;
  if (!isInt(s.step) || !isInt(s.epoch)) return 'step and epoch must be non-negative integers';
  if (!Number.isSafeInteger(s.seed)) return 'seed must be an integer';
  if (!isRecord(s.sampler) || !isInt(s.sampler.epoch) || !isInt(s.sampler.step)) return 'sampler must be { epoch, step } with non-negative integers';
  if (!isRecord(s.config) || typeof s.configHash !== 'string') return 'config must be an object and configHash a string';
  if (!isRecord(s.manifestHashes)) return 'manifestHashes must be an object';
  if (!isRecord(s.model) || typeof s.model.name !== 'string' || !Array.isArray(s.model.subModels)) return 'model must name the model and list its subModels';
  if (!Array.isArray(s.optimizerPhases)) return 'optimizerPhases must be a list';
  return null;
}

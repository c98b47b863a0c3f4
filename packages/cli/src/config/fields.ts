// One table describes every training setting: its type, its allowed range and how to name it in
// an error. Flags (strings) and config files (typed YAML/JSON values) are both checked against it,
// so a value is valid or invalid the same way wherever it came from.
import { UsageError } from '../errors.js';
import { AUGMENT_NAMES, BACKEND_NAMES, GAN_LOSS_NAMES, MODEL_NAMES } from './vocabulary.js';

export type FieldSpec =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; values: readonly string[] }
  | { kind: 'int'; min: number; max: number; off?: number }
  | { kind: 'number'; min: number; max: number; minExclusive?: boolean; off?: number }
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'gpus' };

/** Where a value came from, for error sentences: a flag or a key of a config file. */
export type ValueSource = { flag: string } | { file: string; key: string };

const MAX_SEED = 2 ** 32 - 1;

// `off`: the value that turns a setting off (the model's default), which resolved settings spell
// as absent so that it matches a run that never gave it; a list's off value is the empty list.

/** Every setting of `dgm train` / `dgm coordinator`, by its flag name. */
export const TRAIN_FIELDS = {
  model: { kind: 'enum', values: MODEL_NAMES },
  loss: { kind: 'enum', values: GAN_LOSS_NAMES },
  dataset: { kind: 'string' },
  workers: { kind: 'int', min: 1, max: 64 },
  gpus: { kind: 'gpus' },
  backend: { kind: 'enum', values: BACKEND_NAMES },
  'batch-size': { kind: 'int', min: 1, max: 65536 },
  steps: { kind: 'int', min: 1, max: 1e9 },
  epochs: { kind: 'int', min: 1, max: 1e6 },
  lr: { kind: 'number', min: 0, max: 10, minExclusive: true },
  'lr-schedule': { kind: 'enum', values: ['constant', 'cosine'] },
  normalization: { kind: 'enum', values: ['batch', 'none'] },
  ema: { kind: 'number', min: 0, max: 0.99999, off: 0 },
  refine: { kind: 'int', min: 0, max: 4, off: 0 },
  augment: { kind: 'list', values: AUGMENT_NAMES },
  beta: { kind: 'number', min: 0, max: 1000 },
  seed: { kind: 'int', min: 0, max: MAX_SEED },
  out: { kind: 'string' },
  'checkpoint-every': { kind: 'int', min: 0, max: 1e9 },
  'sample-every': { kind: 'int', min: 0, max: 1e9 },
  resume: { kind: 'string' },
  json: { kind: 'boolean' },
  bind: { kind: 'string' },
  'data-plane': { kind: 'enum', values: ['auto', 'star', 'shared'] },
} as const satisfies Record<string, FieldSpec>;

export type TrainFieldName = keyof typeof TRAIN_FIELDS;
export const TRAIN_FIELD_NAMES = Object.keys(TRAIN_FIELDS) as TrainFieldName[];

/** True for a value that turns its setting off (see `off` above): --ema 0, --refine 0, --augment none. */
export function isOffValue(spec: FieldSpec, value: unknown): boolean {
  if (spec.kind === 'list') return Array.isArray(value) && value.length === 0;
  return (spec.kind === 'int' || spec.kind === 'number') && spec.off !== undefined && value === spec.off;
}

/** "--workers" or "'workers' in run.yaml": how a sentence names the place a value came from. */
export function describeSource(source: ValueSource): string {
  return 'flag' in source ? `--${source.flag}` : `'${source.key}' in ${source.file}`;
}

function describeAllowed(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'list':
      return `a comma-separated list of ${spec.values.join(', ')}, or none`;
    case 'int':
      return `a whole number from ${spec.min} to ${spec.max}`;
    case 'number':
      return spec.minExclusive
        ? `a number greater than ${spec.min} and at most ${spec.max}`
        : `a number from ${spec.min} to ${spec.max}`;
    case 'string':
      return 'a non-empty string';
    case 'boolean':
      return 'true or false';
    case 'gpus':
      return "'all' or a comma-separated list of GPU ids such as 0,1";
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/**
 * Checks one value against its field and returns it in its canonical type (numbers as numbers,
 * gpus as 'all' or a list of ids). Flag values arrive as strings and are converted; file values
 * must already have the right type.
 */
export function coerceField(spec: FieldSpec, value: unknown, source: ValueSource): unknown {
  const fromFlag = 'flag' in source;
  const quotedNumber = !fromFlag && typeof value === 'string' && (spec.kind === 'int' || spec.kind === 'number' || spec.kind === 'boolean');
  const fail = (): never => {
    const hint = quotedNumber ? ' (a quoted string: write it without quotes)' : '';
    throw new UsageError(`${describeSource(source)} must be ${describeAllowed(spec)}, got ${show(value)}${hint}.`);
  };
  switch (spec.kind) {
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) fail();
      return value;
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') fail();
      return value;
    case 'list': {
      // A flag or a file string is comma-separated; a file may also give a YAML/JSON list.
      // 'none' (or an empty list) is the empty list; the result follows the field's own order.
      const parts = typeof value === 'string' ? (value.trim() === 'none' ? [] : value.split(',').map((p) => p.trim())) : value;
      if (!Array.isArray(parts) || parts.some((p) => typeof p !== 'string' || !spec.values.includes(p))) fail();
      return spec.values.filter((name) => (parts as string[]).includes(name));
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail();
      return value;
    case 'int': {
      const n = fromFlag && typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < spec.min || n > spec.max) fail();
      return n;
    }
    case 'number': {
      const n =
        fromFlag && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
          ? Number(value)
          : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || n > spec.max) fail();
      const num = n as number;
      if (spec.minExclusive ? num <= spec.min : num < spec.min) fail();
      return num;
    }
    case 'gpus':
      return parseGpuValue(value, source);
  }
}

/** `--gpus all`, `--gpus 0,1` or a YAML list `[0, 1]` → 'all' or distinct non-negative ids. */
export function parseGpuValue(value: unknown, source: ValueSource): 'all' | number[] {
  const fail = (): never => {
    throw new UsageError(`${describeSource(source)} must be ${describeAllowed({ kind: 'gpus' })}, got ${show(value)}.`);
  };
  if (value === 'all') return 'all';
  let parts: unknown[];
  if (typeof value === 'string') parts = value.split(',').map((p) => p.trim());
  else if (typeof value === 'number') parts = [String(value)];
  else if (Array.isArray(value)) parts = value.map((p) => (typeof p === 'number' ? String(p) : p));
  else return fail();
  const ids: number[] = [];
  for (const part of parts) {
    if (typeof part !== 'string' || !/^\d{1,3}$/.test(part)) fail();
    const id = Number(part);
    if (ids.includes(id)) {
      throw new UsageError(`${describeSource(source)} lists GPU ${id} twice; give each GPU id once, such as 0,1.`);
    }
    ids.push(id);
  }
  if (ids.length === 0) fail();
  return ids;
}

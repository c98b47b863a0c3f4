// One table describes every training setting as a zod schema with data of its own: what an error
// sentence says is allowed, the value that turns it off, and the models it applies to. Flags
// (strings, converted first) and config files (typed YAML/JSON values) are both checked against
// it, so a value is valid or invalid the same way wherever it came from.
import {
  AUGMENT_NAMES,
  BACKEND_NAMES,
  GAN_LOSS_NAMES,
  GAN_MODEL_NAMES,
  LR_SCHEDULE_NAMES,
  MAX_DCGAN_REFINE,
  MAX_EMA_DECAY,
  MAX_SEED,
  MAX_VAE_BETA,
  NORMALIZATIONS,
  VAE_MODEL_NAMES,
} from '@dgm/core/names';
import { field, isOff, metaOf, type FieldSchema } from '@dgm/core/schema';
import { PLANE_CHOICES, WIRE_CHOICES } from '@dgm/plane/names';
import * as z from 'zod/mini';
import { UsageError } from '../errors.js';

/** A field of the table: a zod schema built by `field` (its data: allowed text, off value, appliesTo). */
export type FieldSpec = FieldSchema;

/** Where a value came from, for error sentences: a flag or a key of a config file. */
export type ValueSource = { flag: string } | { file: string; key: string };

/** CLI-only data of a field: how a flag's text becomes its value, and why it applies to some models only. */
interface FlagForm {
  /** Flag values arrive as text; numeric fields read it as a number when it is one. */
  fromFlag?: (text: string) => unknown;
  /** Ends the "applies only to …" sentence for a model the field does not apply to. */
  notFor?: (model: string) => string;
}
const flagForms = z.registry<FlagForm>();

function withFlagForm<T extends FieldSchema>(schema: T, form: FlagForm): T {
  flagForms.add(schema, form);
  return schema;
}

const GANS = 'the GAN models mlp-gan and dcgan';

/** A whole number in [min, max] ("--count must be a whole number from 1 to 1024"). */
export function wholeNumber(min: number, max: number, off?: number): FieldSchema {
  return withFlagForm(field(z.int().check(z.gte(min), z.lte(max)), { allowed: `a whole number from ${min} to ${max}`, off }), {
    fromFlag: (text) => (/^-?\d+$/.test(text.trim()) ? Number(text) : text),
  });
}

function numberField(min: number, max: number, minExclusive = false, off?: number): FieldSchema {
  const allowed = minExclusive ? `a number greater than ${min} and at most ${max}` : `a number from ${min} to ${max}`;
  return withFlagForm(field(z.number().check(minExclusive ? z.gt(min) : z.gte(min), z.lte(max)), { allowed, off }), {
    fromFlag: (text) => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text),
  });
}

function enumField(values: readonly [string, ...string[]]): FieldSchema {
  return field(z.enum(values), { allowed: `one of ${values.join(', ')}` });
}

const text = () => field(z.string().check(z.refine((s) => s.trim() !== '')), { allowed: 'a non-empty string' });

/**
 * A comma-separated list (flag or file string; a file may also give a YAML/JSON list) of `values`;
 * 'none' or an empty list is the empty list. The result follows the order of `values`.
 */
function listField(values: readonly [string, ...string[]]): FieldSchema {
  const split = (v: unknown) => (typeof v === 'string' ? (v.trim() === 'none' ? [] : v.split(',').map((p) => p.trim())) : v);
  const schema = z.pipe(
    z.pipe(z.transform(split), z.array(z.enum(values))),
    z.transform((parts) => values.filter((name) => parts.includes(name))),
  );
  return field(schema, { allowed: `a comma-separated list of ${values.join(', ')}, or none`, off: [] });
}

/** Applies only to `models` (data on the field); `notFor` ends the sentence for any other model. */
function only<T extends FieldSchema>(schema: T, models: readonly string[], notFor: (model: string) => string): T {
  field(schema, { ...metaOf(schema), appliesTo: models });
  return withFlagForm(schema, { ...flagForms.get(schema), notFor });
}

/** `--gpus all`, `--gpus 0,1` or a YAML list `[0, 1]` → 'all' or distinct non-negative ids. */
const gpusField = field(
  z.pipe(
    z.unknown(),
    z.transform((value, ctx): 'all' | number[] => {
      if (value === 'all') return 'all';
      let parts: unknown[] = [];
      if (typeof value === 'string') parts = value.split(',').map((p) => p.trim());
      else if (typeof value === 'number') parts = [String(value)];
      else if (Array.isArray(value)) parts = value.map((p) => (typeof p === 'number' ? String(p) : p));
      const ids: number[] = [];
      for (const part of parts) {
        if (typeof part !== 'string' || !/^\d{1,3}$/.test(part)) break;
        const id = Number(part);
        if (ids.includes(id)) {
          ctx.issues.push({ code: 'custom', input: value, message: `lists GPU ${id} twice; give each GPU id once, such as 0,1.`, params: { sentence: true } });
          return z.NEVER;
        }
        ids.push(id);
      }
      if (ids.length === 0 || ids.length !== parts.length) {
        ctx.issues.push({ code: 'custom', input: value, message: 'not GPU ids' });
        return z.NEVER;
      }
      return ids;
    }),
  ),
  { allowed: "'all' or a comma-separated list of GPU ids such as 0,1" },
);

/** Every setting of `dgm train` / `dgm coordinator`, by its flag name. */
export const TRAIN_FIELDS = {
  model: enumField([...VAE_MODEL_NAMES, ...GAN_MODEL_NAMES]),
  loss: only(enumField(GAN_LOSS_NAMES), GAN_MODEL_NAMES, (model) => `; the ${model} model trains on its ELBO (use --beta)`),
  dataset: text(),
  workers: wholeNumber(1, 64),
  gpus: gpusField,
  backend: enumField(BACKEND_NAMES),
  'batch-size': wholeNumber(1, 65536),
  steps: wholeNumber(1, 1e9),
  epochs: wholeNumber(1, 1e6),
  lr: numberField(0, 10, true),
  'lr-schedule': enumField(LR_SCHEDULE_NAMES),
  normalization: only(enumField(NORMALIZATIONS), ['dcgan'], (model) => `, not ${model}`),
  ema: only(numberField(0, MAX_EMA_DECAY, false, 0), GAN_MODEL_NAMES, () => ": it averages the generator's weights"),
  refine: only(wholeNumber(0, MAX_DCGAN_REFINE, 0), ['dcgan'], (model) => `, not ${model}`),
  augment: only(listField(AUGMENT_NAMES), GAN_MODEL_NAMES, () => ": it transforms the discriminator's inputs"),
  beta: only(numberField(0, MAX_VAE_BETA), VAE_MODEL_NAMES, (model) => `; the ${model} model takes --loss`),
  // Model option conditional (every model); its class count comes from the dataset's labels.
  conditional: field(z.boolean(), { allowed: 'true or false', off: false }),
  seed: wholeNumber(0, MAX_SEED),
  out: text(),
  'checkpoint-every': wholeNumber(0, 1e9),
  'sample-every': wholeNumber(0, 1e9),
  'max-skipped-steps': wholeNumber(0, 1e9),
  'min-workers': wholeNumber(1, 65536),
  'max-workers': wholeNumber(1, 65536),
  'max-failures': wholeNumber(0, 1e9),
  tensorboard: text(),
  resume: text(),
  json: field(z.boolean(), { allowed: 'true or false' }),
  bind: text(),
  'data-plane': enumField(PLANE_CHOICES),
  // How gradients travel between hosts (hierarchical plane); a flag of dgm coordinator and dgm launch.
  wire: enumField(WIRE_CHOICES),
} satisfies Record<string, FieldSchema>;

export type TrainFieldName = keyof typeof TRAIN_FIELDS;
export const TRAIN_FIELD_NAMES = Object.keys(TRAIN_FIELDS) as TrainFieldName[];

/** True for a value that turns its setting off (see `off` above): --ema 0, --refine 0, --augment none. */
export function isOffValue(spec: FieldSpec, value: unknown): boolean {
  return isOff(metaOf(spec), value);
}

/** "--workers" or "'workers' in run.yaml": how a sentence names the place a value came from. */
export function describeSource(source: ValueSource): string {
  return 'flag' in source ? `--${source.flag}` : `'${source.key}' in ${source.file}`;
}

/** "the dcgan model", "the GAN models mlp-gan and dcgan". */
function describeModels(models: readonly string[]): string {
  if (models.length === 1) return `the ${models[0]} model`;
  const family = models.every((m) => (GAN_MODEL_NAMES as readonly string[]).includes(m)) ? 'GAN ' : models.every((m) => (VAE_MODEL_NAMES as readonly string[]).includes(m)) ? 'VAE ' : '';
  return `the ${family}models ${models.slice(0, -1).join(', ')} and ${models[models.length - 1]}`;
}

/**
 * The sentence for a setting given for a model it does not apply to (its field's `appliesTo`),
 * or null when it applies.
 */
export function notApplicable(spec: FieldSpec, model: string, source: ValueSource): string | null {
  const models = metaOf(spec).appliesTo;
  if (models === undefined || models.includes(model)) return null;
  const notFor = flagForms.get(spec)?.notFor ?? (() => '');
  return `${describeSource(source)} applies only to ${describeModels(models)}${notFor(model)}.`;
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
  const fromText = flagForms.get(spec)?.fromFlag;
  const given = fromFlag && fromText && typeof value === 'string' ? fromText(value) : value;
  const result = spec.safeParse(given);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'custom' && (issue.params as { sentence?: boolean } | undefined)?.sentence) {
    throw new UsageError(`${describeSource(source)} ${issue.message}`);
  }
  // A config file's "5" where a number belongs: say how to fix it.
  const quoted = !fromFlag && typeof value === 'string' && issue.code === 'invalid_type' && issue.path.length === 0;
  const hint = quoted ? ' (a quoted string: write it without quotes)' : '';
  throw new UsageError(`${describeSource(source)} must be ${metaOf(spec).allowed}, got ${show(value)}${hint}.`);
}

/** `--gpus all`, `--gpus 0,1` or a YAML list `[0, 1]` → 'all' or distinct non-negative ids. */
export function parseGpuValue(value: unknown, source: ValueSource): 'all' | number[] {
  return coerceField(TRAIN_FIELDS.gpus, value, source) as 'all' | number[];
}

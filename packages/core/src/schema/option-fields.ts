// Options described as schemas (zod/mini: small, tree-shaken, no Node built-ins, so it runs in
// the browser build too). Each field is a zod schema carrying data of its own in `fieldMeta`:
// how error sentences spell what it allows, and which models it applies to. Readers of options
// (models, the Trainer, the coordinator, the worker, the CLI) all check through `firstProblem`
// and word the one sentence for the problem it finds in their own voice; no reader checks a
// field by hand.
import * as z from 'zod/mini';

/** Data every option field carries next to its schema. */
export interface FieldMeta {
  /** What a sentence says is allowed, completing "must be …": "an integer in [1, 4096]". */
  allowed: string;
  /** The models (or model families) the field applies to; absent: every one. */
  appliesTo?: readonly string[];
  /** The value that turns the setting off (a front end spells it as absent); [] for lists. */
  off?: unknown;
  /** Set for a field that must be given: the sentence when it is missing. */
  required?: string;
}

/** Where the fields' data lives: one registry, read by `metaOf`. */
export const fieldMeta = z.registry<FieldMeta>();

/** Any schema of zod/mini. */
export type FieldSchema = z.ZodMiniType;

/** Attaches `meta` to `schema` and returns the schema. */
export function field<T extends FieldSchema>(schema: T, meta: FieldMeta): T {
  fieldMeta.add(schema, meta);
  return schema;
}

/** The data of a field made by `field`. */
export function metaOf(schema: FieldSchema): FieldMeta {
  const meta = fieldMeta.get(schema);
  if (!meta) throw new Error('option schema without field data: build it with field()');
  return meta;
}

/** A table of option fields, keyed by option name, in the order they are checked and listed. */
export type FieldTable = Record<string, FieldSchema>;

/** The values a table's fields produce (every one optional: absent means "use the default"). */
export type TableValues<T extends FieldTable> = { [K in keyof T]?: z.output<T[K]> };

/** The first thing wrong with a record of options, for its reader to word. */
export type OptionProblem =
  | { kind: 'not-object'; value: unknown }
  | { kind: 'unknown-key'; key: string }
  | {
      kind: 'bad-value';
      key: string;
      /** The value as given (the whole option, also when one element of a list is wrong). */
      value: unknown;
      allowed: string;
      /** A sentence of the field's own, for checks whose failure says more than "must be …". */
      sentence?: string;
      /** The given value had the wrong type (e.g. a string where a number belongs). */
      wrongType: boolean;
    };

/** A field whose value must also pass `check`, failing with its own `sentence` (from the value). */
export function withCheck<T extends FieldSchema>(schema: T, check: (value: z.output<T>) => boolean, sentence: (value: z.output<T>) => string): T {
  const checked = schema.check(
    z.refine((v) => check(v as z.output<T>), {
      error: (issue) => sentence(issue.input as z.output<T>),
      params: { sentence: true },
    }),
  ) as T;
  // .check() returns a new schema: the field's data goes with it.
  const meta = fieldMeta.get(schema);
  if (meta) fieldMeta.add(checked, meta);
  return checked;
}

/**
 * Checks `raw` against `table`: a plain object whose keys all name fields (`allowedKeys`, default
 * every field; `'ignore-unknown'`: every field, other keys passed over), each value valid for its
 * field and the required ones given. Unknown keys are reported before bad values, and bad values
 * in the table's order. Returns the parsed values or the first problem.
 */
export function firstProblem<T extends FieldTable>(
  table: T,
  raw: unknown,
  allowedKeys: readonly string[] | 'ignore-unknown' = Object.keys(table),
): { ok: true; values: TableValues<T> } | { ok: false; problem: OptionProblem } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, problem: { kind: 'not-object', value: raw } };
  const record = raw as Record<string, unknown>;
  const keys = allowedKeys === 'ignore-unknown' ? Object.keys(table) : allowedKeys;
  const unknown = allowedKeys === 'ignore-unknown' ? undefined : Object.keys(record).find((key) => !keys.includes(key));
  if (unknown !== undefined) return { ok: false, problem: { kind: 'unknown-key', key: unknown } };
  const shape: Record<string, FieldSchema> = {};
  for (const key of keys) shape[key] = metaOf(table[key]).required === undefined ? z.optional(table[key]) : table[key];
  const result = z.object(shape).safeParse(record);
  if (result.success) return { ok: true, values: result.data as TableValues<T> };
  const issue = result.error.issues[0];
  const key = String(issue.path[0]);
  const meta = metaOf(table[key]);
  const own = issue.code === 'custom' && (issue.params as { sentence?: boolean } | undefined)?.sentence === true;
  const missing = meta.required !== undefined && record[key] === undefined;
  return {
    ok: false,
    problem: {
      kind: 'bad-value',
      key,
      value: record[key],
      allowed: meta.allowed,
      sentence: missing ? meta.required : own ? issue.message : undefined,
      wrongType: issue.code === 'invalid_type' && issue.path.length === 1,
    },
  };
}

/** Fields of `table` that apply to `target` (a model or family name), in the table's order. */
export function fieldsFor(table: FieldTable, target: string): string[] {
  return Object.keys(table).filter((key) => {
    const applies = metaOf(table[key]).appliesTo;
    return applies === undefined || applies.includes(target);
  });
}

/** True when `value` is the field's off value (0 for --ema, [] for --augment none). */
export function isOff(meta: FieldMeta, value: unknown): boolean {
  if (meta.off === undefined) return false;
  if (Array.isArray(meta.off)) return Array.isArray(value) && value.length === 0;
  return value === meta.off;
}

/** An integer in [min, max]. */
export function intIn(min: number, max: number, allowed = `an integer in [${min}, ${max}]`): z.ZodMiniNumberFormat {
  return field(z.int().check(z.gte(min), z.lte(max)), { allowed });
}

/** A finite number in [min, max] (or (min, max] with `minExclusive`). */
export function numberIn(min: number, max: number, allowed: string, minExclusive = false): z.ZodMiniNumber {
  return field(z.number().check(minExclusive ? z.gt(min) : z.gte(min), z.lte(max)), { allowed });
}

/** One of a fixed list of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, allowed: string): z.ZodMiniEnum<{ [K in T[number]]: K }> {
  return field(z.enum(values), { allowed });
}

/**
 * A field checked by a function of another module that throws one sentence for a bad value (an
 * address, a run config): its message becomes the field's sentence, and its result the value.
 */
export function checkedBy<T>(check: (value: unknown) => T, allowed: string): z.ZodMiniPipe<z.ZodMiniUnknown, z.ZodMiniTransform<Awaited<T>, unknown>> {
  return field(
    z.pipe(
      z.unknown(),
      z.transform((value, ctx) => {
        try {
          return check(value);
        } catch (error) {
          ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value, params: { sentence: true } });
          return z.NEVER;
        }
      }),
    ),
    { allowed },
  );
}

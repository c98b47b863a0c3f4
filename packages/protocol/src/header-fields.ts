// Small typed readers for header fields: each returns the value or throws a FieldError naming the
// field and what was expected, which the decoder turns into the reason string.

/** A header field that is missing or of the wrong type or range. */
export class FieldError extends Error {}

export type Header = Record<string, unknown>;

function has(h: Header, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(h, key);
}

export function str(h: Header, key: string, maxLength: number): string {
  const v = has(h, key) ? h[key] : undefined;
  if (typeof v !== 'string') throw new FieldError(`field '${key}' must be a string`);
  if (v.length > maxLength) throw new FieldError(`field '${key}' is ${v.length} characters long, at most ${maxLength} allowed`);
  return v;
}

export function strOrNull(h: Header, key: string, maxLength: number): string | null {
  if (has(h, key) && h[key] === null) return null;
  return str(h, key, maxLength);
}

export function int(h: Header, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = has(h, key) ? h[key] : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new FieldError(`field '${key}' must be an integer`);
  if (v < min || v > max) throw new FieldError(`field '${key}' is ${v}, allowed is ${min}..${max}`);
  return v;
}

export function intOrNull(h: Header, key: string, min: number, max?: number): number | null {
  if (has(h, key) && h[key] === null) return null;
  return int(h, key, min, max);
}

export function finite(h: Header, key: string, min = -Infinity): number {
  const v = has(h, key) ? h[key] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new FieldError(`field '${key}' must be a finite number ≥ ${min}`);
  return v;
}

export function bool(h: Header, key: string): boolean {
  const v = has(h, key) ? h[key] : undefined;
  if (typeof v !== 'boolean') throw new FieldError(`field '${key}' must be a boolean`);
  return v;
}

export function oneOf<T extends string>(h: Header, key: string, allowed: readonly T[]): T {
  const v = has(h, key) ? h[key] : undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new FieldError(`field '${key}' must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Map);
}

export function record(h: Header, key: string): Record<string, unknown> {
  const v = has(h, key) ? h[key] : undefined;
  if (!isPlainRecord(v)) throw new FieldError(`field '${key}' must be a map`);
  return v;
}

/** A map of name → finite number (losses), at most `maxKeys` keys. */
export function numberRecord(h: Header, key: string, maxKeys: number): Record<string, number> {
  const r = record(h, key);
  const out: Record<string, number> = {};
  const keys = Object.keys(r);
  if (keys.length > maxKeys) throw new FieldError(`field '${key}' has ${keys.length} keys, at most ${maxKeys} allowed`);
  for (const k of keys) {
    const v = r[k];
    // Losses may legitimately be NaN/Infinity when training diverges: report, do not drop.
    if (typeof v !== 'number') throw new FieldError(`field '${key}.${k}' must be a number`);
    out[k] = v;
  }
  return out;
}

/** A list of at most `maxItems` strings of at most `maxLength` characters each. */
export function strList(h: Header, key: string, maxItems: number, maxLength: number): string[] {
  const v = has(h, key) ? h[key] : undefined;
  if (!Array.isArray(v)) throw new FieldError(`field '${key}' must be a list`);
  if (v.length > maxItems) throw new FieldError(`field '${key}' has ${v.length} items, at most ${maxItems} allowed`);
  return v.map((item, i) => str({ [`${key}[${i}]`]: item }, `${key}[${i}]`, maxLength));
}

/** A list of at most `maxItems` integers in min..max. */
export function intList(h: Header, key: string, maxItems: number, min: number, max = Number.MAX_SAFE_INTEGER): number[] {
  const v = has(h, key) ? h[key] : undefined;
  if (!Array.isArray(v)) throw new FieldError(`field '${key}' must be a list`);
  if (v.length > maxItems) throw new FieldError(`field '${key}' has ${v.length} items, at most ${maxItems} allowed`);
  return v.map((item, i) => int({ [`${key}[${i}]`]: item }, `${key}[${i}]`, min, max));
}

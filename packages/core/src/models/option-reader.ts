// Validation of the plain-object options createModel() receives (from code, a config file or
// CLI flags): every failure is one sentence naming the option and what is allowed.
import { ModelOptionError } from './errors.js';

/** Reads typed options out of an untyped record, remembering which keys were consumed. */
export class OptionReader {
  constructor(
    private readonly context: string,
    private readonly raw: Record<string, unknown>,
    private readonly allowed: readonly string[],
  ) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ModelOptionError(`${context} options must be a plain object, got ${describe(raw)}.`);
    }
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) {
        throw new ModelOptionError(
          `unknown ${context} option '${key}'; allowed options are: ${allowed.join(', ')}.`,
        );
      }
    }
  }

  private value(name: string): unknown {
    return this.raw[name];
  }

  /** An integer in [min, max]. */
  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.value(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ModelOptionError(`${this.context} option '${name}' must be an integer in [${min}, ${max}], got ${describe(v)}.`);
    }
    return v;
  }

  /** A finite number in [min, max]. */
  number(name: string, fallback: number, min: number, max: number): number {
    const v = this.value(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new ModelOptionError(`${this.context} option '${name}' must be a number in [${min}, ${max}], got ${describe(v)}.`);
    }
    return v;
  }

  /** One of a fixed list of strings. */
  choice<T extends string>(name: string, fallback: T, choices: readonly T[]): T {
    const v = this.value(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      throw new ModelOptionError(
        `${this.context} option '${name}' must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(v)}.`,
      );
    }
    return v as T;
  }

  /** A list of 1..maxLength integers, each in [min, max]. */
  intList(name: string, fallback: number[], min: number, max: number, maxLength: number): number[] {
    const v = this.value(name);
    if (v === undefined) return fallback;
    if (
      !Array.isArray(v) ||
      v.length < 1 ||
      v.length > maxLength ||
      !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max)
    ) {
      throw new ModelOptionError(
        `${this.context} option '${name}' must be a list of 1 to ${maxLength} integers, each in [${min}, ${max}], got ${describe(v)}.`,
      );
    }
    return [...(v as number[])];
  }

  /** An image shape [height, width, channels] accepted by `accepts`, described by `allowedText`. */
  imageShape(
    fallback: [number, number, number],
    accepts: (shape: [number, number, number]) => boolean,
    allowedText: string,
  ): [number, number, number] {
    const v = this.value('imageShape');
    if (v === undefined) return fallback;
    const ok =
      Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0);
    if (!ok || !accepts(v as [number, number, number])) {
      throw new ModelOptionError(`${this.context} option 'imageShape' must be ${allowedText}, got ${describe(v)}.`);
    }
    return [v[0], v[1], v[2]] as [number, number, number];
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

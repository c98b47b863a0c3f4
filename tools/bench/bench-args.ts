// The command line of every bench entry point (and tools/cluster/main.ts): node:util parseArgs in
// strict mode, with its complaints (unknown flag, missing value, stray argument) turned into one
// line naming what was wrong and the bench's usage, exit code 2, and `--help` / `-h` printing the
// usage, exit code 0; plus the checks of flag values the benches share (whole numbers in a range,
// comma-separated lists, one of a few names), each refusing with one sentence and exit code 2.
//
// A mistake must be answered before the bench loads TensorFlow.js or starts anything: an entry
// point reads its flags first and imports its heavy modules afterwards (`await import(...)`).
// This module imports nothing but node:util and node:path for that reason.
// tools/test/bench-flags.test.ts runs every entry point with an unknown flag and with --help.
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What a bench accepts: parseArgs's config (strict; `help` is added) and its usage. */
export interface BenchArgsSpec<T extends ParseArgsConfig> {
  /** One line: the command and its flags, e.g. `node tools/dist/bench/x.js [--rounds 3] [--json FILE]`. */
  usage: string;
  /** Lines printed after the usage by --help only (what the cases or flags mean). */
  about?: string;
  config: T;
}

/** The program as the user typed it, for sentences about it: `allreduce.js`. */
const program = (): string => basename(process.argv[1] ?? 'bench');

/** Writes one sentence to stderr and exits with code 2: the caller's mistake, nothing was started. */
export function refuse(sentence: string): never {
  process.stderr.write(`${sentence}\n`);
  process.exit(2);
}

/**
 * parseArgs over the spec's options and `--help`/`-h`. A parse error exits 2 with one line; --help
 * prints the usage (and `about`) to stdout and exits 0; otherwise the parsed values, as parseArgs
 * returns them.
 */
export function readBenchArgs<T extends ParseArgsConfig>(spec: BenchArgsSpec<T>): ReturnType<typeof parseArgs<T>> {
  const config = { ...spec.config, strict: true, options: { ...spec.config.options, help: { type: 'boolean', short: 'h' } } } as const;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs(config) as typeof parsed;
  } catch (error) {
    refuse(`${parseErrorSentence(error, spec.config)}; usage: ${spec.usage}`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(`usage: ${spec.usage}\n${spec.about ? `${spec.about.trimEnd()}\n` : ''}`);
    process.exit(0);
  }
  delete parsed.values.help;
  return parsed as ReturnType<typeof parseArgs<T>>;
}

/** parseArgs's error as the first half of a sentence; its own messages run over lines and talk of "options". */
function parseErrorSentence(error: unknown, config: ParseArgsConfig): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs quotes the flag (`'--mib <value>'`, `'--bogus'`) or the stray argument.
  const quoted = /'(-{1,2}[^' <]+)/.exec(message)?.[1] ?? /'([^']*)'/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${program()} has no flag ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = config.options?.[quoted.replace(/^-+/, '')];
      if (option?.type === 'boolean') return `${quoted} is a switch and takes no value`;
      // `--lr -1` and `--mib --json x`: parseArgs takes a value starting with '-' for a flag.
      if (message.includes('ambiguous')) return `${quoted} needs a value; one that starts with '-' is written ${quoted}=VALUE`;
      return `${quoted} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${program()} takes only flags, got '${quoted}'`;
    default:
      return `${program()}: ${message.split('\n')[0]}`;
  }
}

/** A whole number from min to max, written in plain digits; anything else is refused. */
export function wholeNumber(raw: string, flag: string, min: number, max: number, what = `a whole number from ${min} to ${max}`): number {
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || v < min || v > max) refuse(`${flag} '${raw}' is not allowed: give ${what}`);
  return v;
}

/** A comma-separated list, each item read by `read` (null: not allowed); an empty or bad item refuses the flag. */
export function listOf<T>(raw: string, flag: string, read: (item: string) => T | null, allowed: string): T[] {
  const items = raw.split(',').map((s) => s.trim());
  const values = items.map(read);
  if (items.some((s, i) => s === '' || values[i] === null)) refuse(`${flag} '${raw}' is not allowed: give ${allowed}`);
  return values as T[];
}

/** One of a few names. */
export function oneOf<T extends string>(raw: string, flag: string, names: readonly T[]): T {
  if (!(names as readonly string[]).includes(raw)) refuse(`${flag} '${raw}' is not allowed: give one of ${names.join(', ')}`);
  return raw as T;
}

/** A reader for listOf: a whole number from min to max, or null. */
export const wholeIn = (min: number, max: number) => (s: string): number | null => (/^\d+$/.test(s) && Number(s) >= min && Number(s) <= max ? Number(s) : null);

/** A reader for listOf: one of `names`, or null. */
export const nameIn = <T extends string>(names: readonly T[]) => (s: string): T | null => ((names as readonly string[]).includes(s) ? (s as T) : null);

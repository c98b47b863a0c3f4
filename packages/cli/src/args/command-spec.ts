// Every command is described once — its flags, positional argument, help text and examples — and
// parsed with node:util parseArgs in strict mode. parseArgs's own errors are rewritten as one
// sentence that names the command and its allowed flags.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  /** Placeholder shown in help: `--batch-size <n>`. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional argument, if the command takes one. */
  positional?: { name: string; description: string };
  options: OptionSpec[];
  examples: string[];
  /** Extra paragraphs after the flags (exit codes, notes). */
  notes?: string[];
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positional: string | undefined;
}

const HELP_OPTION: OptionSpec = { name: 'help', type: 'boolean', description: 'Show this help and exit.' };

/** Parses argv (after the command name) against a command's spec. Throws UsageError. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const o of [...spec.options, HELP_OPTION]) options[o.name] = { type: o.type };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(rewriteParseError(spec, error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { values, positional: undefined };
  const { positionals } = parsed;
  if (!spec.positional && positionals.length > 0) {
    throw new UsageError(`dgm ${spec.name} takes no arguments besides flags, got '${positionals[0]}'; see dgm ${spec.name} --help.`);
  }
  if (spec.positional && positionals.length > 1) {
    throw new UsageError(`dgm ${spec.name} takes one ${spec.positional.name}, got ${positionals.length}: ${positionals.join(' ')}.`);
  }
  if (spec.positional && positionals.length === 0) {
    throw new UsageError(`dgm ${spec.name} needs a ${spec.positional.name}: ${spec.positional.description}.`);
  }
  return { values, positional: positionals[0] };
}

/** A number such as -1 or -.5: a value, never a flag (dgm has no single-letter flags that could look like it). */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--lr -1` as `--lr=-1`: parseArgs takes a value that starts with '-' for a flag, and would say
 * "--lr needs a value" where the user gave one that is out of range; joined, the value reaches
 * the setting's own check, which says what is allowed.
 */
function joinNegativeValues(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    const next = argv[i + 1];
    if (name !== null && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
    if (arg === '--') {
      out.push(...argv.slice(i + 1));
      break;
    }
  }
  return out;
}

function flagList(spec: CommandSpec): string {
  return [...spec.options, HELP_OPTION].map((o) => `--${o.name}`).join(', ');
}

function rewriteParseError(spec: CommandSpec, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `dgm ${spec.name} has no flag ${quoted}; its flags are ${flagList(spec)}.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = spec.options.find((o) => quoted === `--${o.name}`);
      return option && option.type === 'boolean'
        ? `--${option.name} is a switch and takes no value.`
        : `${quoted || 'a flag'} needs a value${option?.value ? ` (${option.value})` : ''}, as in ${quoted} <${option?.value ?? 'value'}>.`;
    }
    default:
      return `dgm ${spec.name}: ${message.split('\n')[0]}`;
  }
}

/** The `--help` text of one command. */
export function formatCommandHelp(spec: CommandSpec): string {
  const lines: string[] = [];
  const pos = spec.positional ? ` <${spec.positional.name}>` : '';
  lines.push(`Usage: dgm ${spec.name}${pos} [flags]`, '', spec.summary, '');
  if (spec.positional) lines.push('Arguments:', `  <${spec.positional.name}>  ${spec.positional.description}`, '');
  lines.push('Flags:');
  const all = [...spec.options, HELP_OPTION];
  const heads = all.map((o) => `  --${o.name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  all.forEach((o, i) => lines.push(`${heads[i].padEnd(width)}${o.description}`));
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  lines.push('', 'Exit codes: 0 done, 1 run failed, 2 bad flags/config/data (nothing written), 130 interrupted.');
  return `${lines.join('\n')}\n`;
}

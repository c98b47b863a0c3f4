import { describe, expect, it } from 'vitest';
import { formatCommandHelp, parseCommandArgs, UsageError, type CommandSpec } from '../src/index.js';

const spec: CommandSpec = {
  name: 'sample',
  summary: 'Draw a grid.',
  positional: { name: 'checkpoint', description: 'a run dir or checkpoint dir' },
  options: [
    { name: 'count', type: 'string', value: 'n', description: 'Images.' },
    { name: 'json', type: 'boolean', description: 'JSON.' },
  ],
  examples: ['dgm sample runs/x'],
};

function sentence(argv: string[]): string {
  try {
    parseCommandArgs(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs', () => {
  it('parses long flags, --flag=value and the positional', () => {
    expect(parseCommandArgs(spec, ['runs/x', '--count=16', '--json'])).toEqual({ values: { count: '16', json: true }, positional: 'runs/x' });
  });

  it('turns parseArgs errors into sentences naming the allowed flags', () => {
    expect(sentence(['runs/x', '--cnt', '3'])).toBe('dgm sample has no flag --cnt; its flags are --count, --json, --help.');
    expect(sentence(['runs/x', '--count'])).toBe('--count needs a value (n), as in --count <n>.');
    expect(sentence(['runs/x', '--json=yes'])).toBe('--json is a switch and takes no value.');
    expect(sentence([])).toBe('dgm sample needs a checkpoint: a run dir or checkpoint dir.');
    expect(sentence(['a', 'b'])).toMatch(/takes one checkpoint, got 2/);
  });

  it('accepts --help without the positional', () => {
    expect(parseCommandArgs(spec, ['--help']).values.help).toBe(true);
  });

  it('formats help with flags, examples and exit codes', () => {
    const help = formatCommandHelp(spec);
    expect(help).toContain('Usage: dgm sample <checkpoint> [flags]');
    expect(help).toMatch(/--count <n>\s+Images\./);
    expect(help).toContain('  dgm sample runs/x');
    expect(help).toContain('Exit codes:');
  });
});

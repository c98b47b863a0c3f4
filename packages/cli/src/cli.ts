// The `dgm` dispatcher: finds the command, parses its flags, runs it, and turns every outcome
// into an exit code — 2 with one sentence for the user's mistakes, 1 with a message for failures
// (stack only with DGM_DEBUG=1), never an unhandled stack trace.
import { readFileSync } from 'node:fs';
import { formatCommandHelp, parseCommandArgs } from './args/command-spec.js';
import type { CliContext, Command } from './commands/command.js';
import { COMMANDS } from './commands/registry.js';
import { ExitCode, exitCodeOf, isRunFailure, isUserInputError, UsageError } from './errors.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** `dgm --help`: the commands and the first thing to try. */
export function formatGlobalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  return [
    'Usage: dgm <command> [flags]',
    '',
    'Train GANs and VAEs with synchronous data parallelism on TensorFlow.js.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary.split('\n')[0]}`),
    '',
    'Run `dgm <command> --help` for its flags and examples.',
    '',
    'Examples:',
    '  dgm train                                   # VAE on MNIST, 2 CPU workers, a few minutes',
    '  dgm train --model dcgan --gpus all          # one worker per local GPU',
    '  dgm keys new --out keys                     # a cluster key pair; copy keys/ to every host',
    '  dgm coordinator --bind tcp://0.0.0.0:5555 --workers 4 --key keys/secret.key --allow keys/public.key',
    '  dgm worker --connect tcp://head:5555 --gpus all --key keys/secret.key --server-key keys/public.key',
    '  dgm sample runs/vae-mnist-20261122-010203 --out grid.png',
    '',
    'Exit codes: 0 done, 1 run failed, 2 bad flags/config/data (nothing written), 130 interrupted.',
    '',
  ].join('\n');
}

function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}

/** Runs `dgm` with the given arguments (without `node` and the script). Resolves to the exit code. */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? COMMANDS.find((c) => c.spec.name === rest[0]) : undefined;
      context.stdout.write(topic ? formatCommandHelp(topic.spec) : formatGlobalHelp(COMMANDS));
      return ExitCode.ok;
    }
    if (name === '--version' || name === '-v') {
      context.stdout.write(`${version()}\n`);
      return ExitCode.ok;
    }
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command) {
      throw new UsageError(`'${name}' is not a dgm command; the commands are ${COMMANDS.map((c) => c.spec.name).join(', ')}.`);
    }
    const args = parseCommandArgs(command.spec, rest);
    if (args.values.help) {
      context.stdout.write(formatCommandHelp(command.spec));
      return ExitCode.ok;
    }
    return await command.run(args, context);
  } catch (error) {
    return reportError(error, argv, context);
  }
}

/** Prints an error as the user should see it and returns its exit code. */
export function reportError(error: unknown, argv: string[], context: CliContext): number {
  const userError = isUserInputError(error);
  const code = exitCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (wantsJson(argv)) context.stdout.write(`${JSON.stringify({ event: 'error', message, exitCode: code })}\n`);
  context.stderr.write(`error: ${message}\n`);
  if (!userError && context.env.DGM_DEBUG === '1' && error instanceof Error && error.stack) {
    context.stderr.write(`${error.stack}\n`);
  } else if (!userError && !isRunFailure(error)) {
    context.stderr.write('(set DGM_DEBUG=1 to see where it happened)\n');
  }
  return code;
}

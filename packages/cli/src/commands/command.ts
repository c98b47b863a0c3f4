// What every `dgm <command>` module provides, and what it is given to run.
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import type { TextStream } from '../progress/reporter.js';

/** The process around a command: its streams, environment and working directory. */
export interface CliContext {
  stdout: TextStream;
  stderr: TextStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Absolute path of the `dgm` entry script, for starting worker processes. */
  entryScript: string;
}

export interface Command {
  spec: CommandSpec;
  /** Runs the command; resolves to the exit code. Throws UsageError for bad input. */
  run(args: ParsedArgs, context: CliContext): Promise<number>;
}

// `dgm report RUN [--open]`: (re)writes RUN/report.html from whatever the run directory holds
// (finished, still running, damaged or empty) and optionally opens it in a browser.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { ExitCode, UsageError } from '../errors.js';
import { commandReporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';

const spec: CommandSpec = {
  name: 'report',
  summary: 'Write RUN/report.html: curves, sample grids, evaluations and the config of a run, in one file that opens offline.',
  positional: { name: 'run', description: 'a run directory (finished or still running)' },
  options: [
    { name: 'open', type: 'boolean', description: 'Open the report in a browser ($BROWSER if set, else open / xdg-open / start).' },
    { name: 'json', type: 'boolean', description: 'Print one JSON line instead of text.' },
  ],
  notes: ['dgm train and dgm coordinator keep RUN/report.html current by themselves (at the start, every 30 s, at the end); this rewrites it now.'],
  examples: ['dgm report runs/vae-mnist-20261122-010203', 'dgm report runs/dcgan-mnist-20261122-020000 --open'],
};

/** The command that opens a file in the user's browser on this platform. */
function opener(env: NodeJS.ProcessEnv): { command: string; args: string[] } {
  if (env.BROWSER) return { command: env.BROWSER, args: [] };
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

/** Starts the browser on `path` (detached: dgm does not wait for it); resolves with why it could not, or null. */
function openInBrowser(path: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const { command, args } = opener(env);
  return new Promise((done) => {
    const child = spawn(command, [...args, path], { detached: true, stdio: 'ignore', env });
    child.once('error', (error) => done(`${command}: ${error.message}`));
    child.once('spawn', () => {
      child.unref();
      done(null);
    });
  });
}

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  const dir = resolve(context.cwd, args.positional as string);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${args.positional} is not a directory; dgm report takes a run directory (runs/<name>).`);
  const { writeReport, REPORT_FILE } = await import('@dgm/report');
  const reporter = commandReporter(Boolean(args.values.json), context, { progressBar: false });
  const { path, view } = await writeReport(dir).catch((error: Error) => {
    throw new UsageError(`cannot write ${resolve(dir, REPORT_FILE)}: ${error.message}.`);
  });
  let openFailure: string | null = null;
  if (args.values.open) {
    openFailure = await openInBrowser(path, context.env);
    if (openFailure) reporter.warn(`Could not open a browser (${openFailure}); open ${path} yourself.`);
  }
  reporter.result(
    { report: path, steps: view.steps.length, grids: view.gridCount, evaluations: view.evaluations.length, notices: view.notices, opened: Boolean(args.values.open) && openFailure === null },
    [`Report: ${path}`, ...view.notices.map((n) => `  ${n}`)],
  );
  return ExitCode.ok;
}

export const reportCommand: Command = { spec, run };

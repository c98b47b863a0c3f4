// `dgm keys new --out DIR`: a CURVE key pair for a closed cluster (README, "Closed cluster").
import { resolve } from 'node:path';
import type { CommandSpec, ParsedArgs } from '../args/command-spec.js';
import { ExitCode, UsageError } from '../errors.js';
import { commandReporter } from '../progress/reporter.js';
import type { CliContext, Command } from './command.js';

const spec: CommandSpec = {
  name: 'keys',
  summary: 'Make a CURVE key pair that closes a cluster to everybody without a listed key.',
  positional: { name: 'subcommand', description: 'new (the only one): write a fresh key pair into --out' },
  options: [
    { name: 'out', type: 'string', value: 'dir', description: 'Directory for secret.key (mode 0600, keep it private) and public.key (share it); made 0700 if missing. Never overwrites.' },
    { name: 'json', type: 'boolean', description: 'Print one JSON line instead of text.' },
  ],
  notes: [
    'Simple setup: one key pair for the whole cluster. Every process uses --key keys/secret.key; the',
    'coordinator adds --allow keys/public.key, each worker --server-key keys/public.key.',
    'Strict setup: one pair per host; the coordinator --allow lists the workers\' public.key files',
    '(cat them into one file), each worker --server-key names the coordinator\'s public.key.',
  ],
  examples: ['dgm keys new --out keys', 'dgm keys new --out ~/.dgm/node1 && cat ~/.dgm/node*/public.key > allow.txt'],
};

async function run(args: ParsedArgs, context: CliContext): Promise<number> {
  if (args.positional !== 'new') throw new UsageError(`dgm keys knows one subcommand, new, not '${args.positional}': dgm keys new --out DIR.`);
  const out = args.values.out;
  if (typeof out !== 'string' || out.trim() === '') throw new UsageError('dgm keys new needs --out DIR: the directory to write secret.key and public.key into.');
  const { assertCurveAvailable, fingerprintOf, writeKeyPairFiles } = await import('@dgm/protocol/security');
  assertCurveAvailable();
  const files = writeKeyPairFiles(resolve(context.cwd, out));
  const reporter = commandReporter(Boolean(args.values.json), context, { progressBar: false });
  const fingerprint = fingerprintOf(files.publicKey);
  reporter.result({ secretKey: files.secretFile, publicKey: files.publicFile, fingerprint }, [
    `secret key ${files.secretFile} (mode 0600: keep it private)`,
    `public key ${files.publicFile} (${fingerprint}): list it in a coordinator's --allow file, or give it to workers as --server-key`,
  ]);
  return ExitCode.ok;
}

export const keysCommand: Command = { spec, run };
